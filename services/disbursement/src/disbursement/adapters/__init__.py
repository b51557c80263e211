"""Adapters: the replica's SQL, the G2P Connect channel client."""
