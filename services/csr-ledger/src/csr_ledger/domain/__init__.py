"""The CSR ledger's domain: double-entry ledger rules and the CSR funds around them. Pure: no I/O."""
