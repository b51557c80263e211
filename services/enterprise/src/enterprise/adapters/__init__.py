"""Adapters: SQL (read tables, projections, replicas) and outside systems."""
