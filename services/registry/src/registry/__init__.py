"""Gotong registry service (see README.md)."""
