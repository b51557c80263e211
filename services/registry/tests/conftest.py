import pytest

from gotong.eventstore.tables import kit_metadata
from registry.tables import metadata


@pytest.fixture
def schema_metadata():
    return [kit_metadata, metadata]
