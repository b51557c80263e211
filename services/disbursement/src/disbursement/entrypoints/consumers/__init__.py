"""Consumers of other services' topics."""
