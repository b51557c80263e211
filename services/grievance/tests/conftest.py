import pytest


@pytest.fixture
def schema_service():
    return "grievance"
