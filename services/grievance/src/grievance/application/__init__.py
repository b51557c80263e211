"""Gotong grievance service."""
