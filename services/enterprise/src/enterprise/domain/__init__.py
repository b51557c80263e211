"""The social-enterprise domain: pure, no I/O."""
