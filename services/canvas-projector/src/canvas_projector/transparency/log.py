"""Moved to `canvas_projector.domain.transparency` (this path stays for importers outside the service)."""

from canvas_projector.domain.transparency import TransparencyLog, canonical, verify_receipt

__all__ = ["TransparencyLog", "canonical", "verify_receipt"]
