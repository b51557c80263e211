"""Moved to `canvas_projector.domain.checkpoint` (this path stays for importers outside the service)."""

from canvas_projector.domain.checkpoint import Checkpoint, key_id, open_note, parse_verifier_key, sign, verifier_key

__all__ = ["Checkpoint", "key_id", "open_note", "parse_verifier_key", "sign", "verifier_key"]
