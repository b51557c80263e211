import pytest

from disbursement.tables import metadata
from gotong.eventstore.tables import kit_metadata


@pytest.fixture
def schema_metadata():
    return [kit_metadata, metadata]
