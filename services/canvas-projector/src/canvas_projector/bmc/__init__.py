"""Business Model Canvas read models."""
