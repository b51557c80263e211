"""Test databases hold the grievance tables: the kit's plugin (`gotong.testing.plugin`, loaded by the repository's
conftest) copies each from a template its migrations built once per run, as for every announced service."""

import pytest


@pytest.fixture
def schema_service() -> str:
    return "grievance"
