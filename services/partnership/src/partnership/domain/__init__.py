"""The partnership domain: partners, agreements and joint projects as pure aggregates (no I/O)."""
