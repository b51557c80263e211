"""Adapters: the ledger on PostgreSQL."""
