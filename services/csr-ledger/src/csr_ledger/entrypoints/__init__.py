"""Ways in: the HTTP API, consumers."""
