"""Models of experts."""
