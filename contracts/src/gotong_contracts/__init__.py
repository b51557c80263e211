"""Integration event contracts each service publishes: consumers import these, never the producing service."""
