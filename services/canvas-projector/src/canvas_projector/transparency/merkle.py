"""Moved to `canvas_projector.domain.merkle` (this path stays for importers outside the service)."""

from canvas_projector.domain.merkle import (
    EMPTY_ROOT,
    MappingSource,
    MemoryTree,
    NodeSource,
    RecordingSource,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_needed,
    root,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = ["EMPTY_ROOT", "MappingSource", "MemoryTree", "NodeSource", "RecordingSource", "consistency_proof",
           "inclusion_proof", "leaf_hash", "node_hash", "nodes_needed", "root", "subtree_hash", "verify_consistency",
           "verify_inclusion"]
