"""The `gotong` command line."""
