"""Infrastructure the launcher and the tests own: embedded PostgreSQL and the Tansu broker."""
