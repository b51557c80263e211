"""Consumers of the other services topics."""
