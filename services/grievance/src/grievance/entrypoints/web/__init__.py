"""The citizens' pages: server-rendered HTML for the public channel."""
