"""Application: CSR commands and queries over the ledger."""
