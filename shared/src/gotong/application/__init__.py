"""Application helpers shared by services: repositories over the event store."""
