import pytest


@pytest.fixture
def schema_service():
    return "csr-ledger"
