"""Use cases: programs, cycles, payments, reports — each runs in the caller's transaction."""
