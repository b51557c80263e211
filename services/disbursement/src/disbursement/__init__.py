"""Gotong disbursement service (see README.md)."""
