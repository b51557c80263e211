"""Gotong social enterprise service (see README.md)."""
