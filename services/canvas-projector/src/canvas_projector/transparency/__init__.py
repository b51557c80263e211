"""Old import paths of the transparency log's pure rules, kept only for code outside this service that still
imports them (`tests/test_audit.py`, `tests/faults/checks.py`). The rules live in `canvas_projector.domain`;
import them from there."""
