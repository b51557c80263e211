"""Command handlers (load, decide, save, project) and queries on the projections."""
