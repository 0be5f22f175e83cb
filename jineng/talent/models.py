"""Models of talent."""
