"""Real PostgreSQL and NATS for tests: from `AUFTAKT_TEST_*_URL` if set, from
testcontainers where a Docker engine answers, otherwise the embedded server wheels."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .embedded import EmbeddedNats, EmbeddedPostgres, free_port

__all__ = ["Servers", "provide_servers", "generated_secrets"]


@dataclass(frozen=True)
class Servers:
    database_url: str
    nats_url: str
    origin: str  # "environment", "testcontainers" or "embedded"


def generated_secrets() -> dict[str, str]:
    """Fresh keys, as settings keyword arguments."""

    def key() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode()

    return {
        "master_keys": f"test1:{key()}",
        "blind_index_key": key(),
        "signing_key": key(),
    }


def _docker_available() -> bool:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://"):
        # a socket nobody answers on: docker-py would leak its half-open connection
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(2)
                probe.connect(host.removeprefix("unix://"))
        except OSError:
            return False
    try:
        import docker

        client = docker.from_env(timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return True
    except Exception:  # no client library, no engine: both mean "no Docker"
        return False


@contextlib.contextmanager
def _from_testcontainers() -> Iterator[Servers]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer

    with (
        PostgresContainer("postgres:18", dbname="auftakt", driver="psycopg") as pg,
        DockerContainer("nats:2.12").with_command("-js").with_exposed_ports(4222) as nats,
    ):
        wait_for_logs(nats, "Server is ready")
        nats_url = f"nats://{nats.get_container_host_ip()}:{nats.get_exposed_port(4222)}"
        yield Servers(pg.get_connection_url(), nats_url, "testcontainers")


@contextlib.contextmanager
def _embedded(base: Path) -> Iterator[Servers]:
    postgres = EmbeddedPostgres(base / "postgres", free_port(), durable=False)
    nats = EmbeddedNats(base / "nats", free_port())
    try:
        database_url = postgres.start()
        nats_url = nats.start()
        yield Servers(database_url, nats_url, "embedded")
    finally:
        nats.stop()
        postgres.stop()


@contextlib.contextmanager
def provide_servers() -> Iterator[Servers]:
    database_url = os.environ.get("AUFTAKT_TEST_DATABASE_URL")
    nats_url = os.environ.get("AUFTAKT_TEST_NATS_URL")
    if database_url and nats_url:
        yield Servers(database_url, nats_url, "environment")
    elif _docker_available():
        with _from_testcontainers() as servers:
            yield servers
    else:
        with tempfile.TemporaryDirectory(prefix="auftakt-test-") as base:
            with _embedded(Path(base)) as servers:
                yield servers
