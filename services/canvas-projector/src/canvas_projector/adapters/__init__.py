"""Everything that talks to PostgreSQL (read tables, replicas, the transparency log store) or writes a format
for an outside system (IATI XML), plus the log's signing key."""
