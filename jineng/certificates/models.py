"""Models of certificates."""
