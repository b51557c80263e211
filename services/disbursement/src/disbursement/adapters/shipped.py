"""The programs that ship as configuration (`adapters/shipped_programs/*.json`), defined at startup."""

from __future__ import annotations

from importlib.resources import files

from disbursement.domain.programs import ProgramDefinition


def shipped_programs() -> list[ProgramDefinition]:
    folder = files("disbursement.adapters") / "shipped_programs"
    return [ProgramDefinition.model_validate_json(f.read_text())
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]
