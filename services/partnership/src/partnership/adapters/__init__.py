"""Adapters: SQL (read tables, projections, queries) and outside systems."""
