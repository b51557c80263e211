"""Adapters the kit gives every service: SQL access inside one transaction (only `adapters/` code uses it)."""
