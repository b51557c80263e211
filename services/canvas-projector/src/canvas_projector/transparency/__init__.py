"""The transparency log: an RFC 9162 Merkle tree of disbursement records with C2SP signed checkpoints."""
