"""Domain building blocks with no I/O: errors, events, aggregates."""
