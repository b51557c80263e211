"""Gotong canvas projector service (see README.md)."""
