"""HTTP plumbing every service shares: app factory, problem+json, idempotency, auth, limits, health."""
