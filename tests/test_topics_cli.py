"""`gotong topics` creates every service's topics with the configured partitions and refuses a wrong layout."""

import asyncio

from click.testing import CliRunner

from gotong.cli.main import main
from gotong.infra.embedded import EmbeddedKafka
from gotong.messaging.topics import ensure_topics
from gotong.service import discover_services


def test_topics_are_created_with_the_configured_partitions_and_a_wrong_count_is_named(tmp_path):
    broker = EmbeddedKafka(log_path=tmp_path / "tansu.log").start()
    try:
        asyncio.run(ensure_topics(broker.bootstrap_servers, ["registry.events"], partitions=4))  # laid out wrong
        result = CliRunner().invoke(main, ["topics", "--bootstrap", broker.bootstrap_servers, "--partitions", "6"])
        assert result.exit_code != 0
        assert "registry.events: not 6 partitions" in result.output
        for name in discover_services():
            assert f"{name}.events.dlq" in result.output
        assert f"cluster id: {broker.cluster_id}" in result.output
        again = CliRunner().invoke(main, ["topics", "--bootstrap", broker.bootstrap_servers, "--partitions", "4"])
        assert again.exit_code != 0, "the others were created with 6"
    finally:
        broker.stop()
