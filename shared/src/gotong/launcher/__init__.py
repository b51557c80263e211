"""The local launcher: embedded servers, one child process per service, logs, readiness, clean shutdown."""
