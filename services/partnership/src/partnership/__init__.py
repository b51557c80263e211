"""Gotong partnership service (see README.md)."""
