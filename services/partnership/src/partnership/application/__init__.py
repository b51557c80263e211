"""Command handlers (load, decide, save, project, publish) and queries on the read tables."""
