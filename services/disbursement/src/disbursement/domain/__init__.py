"""The disbursement domain: programs, eligibility, cycles and payment outcomes. Pure: no I/O."""
