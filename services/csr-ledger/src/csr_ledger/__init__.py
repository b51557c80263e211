"""Gotong csr ledger service (see README.md)."""
