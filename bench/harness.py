"""What every benchmark needs: embedded servers with durable settings (or the ones named
by AUFTAKT_DATABASE_URL / AUFTAKT_NATS_URL), services as their own processes, a cheap
HTTP client and percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
from auftakt_common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from auftakt_common.testing import generated_secrets

__all__ = [
    "Connection",
    "percentile",
    "running_stack",
    "settings_of",
    "start_service",
    "wait_ready",
]


@contextlib.contextmanager
def running_stack(
    nats_sync: str = "always", remove_data: bool = False, **settings: str
) -> Iterator[dict[str, str]]:
    """Servers up; yields the environment services run with (`settings` as AUFTAKT_*).
    `nats_sync`: JetStream's `sync_interval` (the default, `always`, fsyncs every write);
    `remove_data`: delete the servers' data folder afterwards (gigabytes for big loads)."""
    data = Path(tempfile.mkdtemp(prefix="auftakt-bench-"))
    servers: list[EmbeddedPostgres | EmbeddedNats] = []
    env = {**os.environ, **{f"AUFTAKT_{k.upper()}": v for k, v in generated_secrets().items()}}
    try:
        if "AUFTAKT_DATABASE_URL" not in os.environ:
            postgres = EmbeddedPostgres(data / "postgres", free_port())
            env["AUFTAKT_DATABASE_URL"] = postgres.start()
            servers.append(postgres)
        if "AUFTAKT_NATS_URL" not in os.environ:
            nats_server = EmbeddedNats(data / "nats", free_port(), sync_interval=nats_sync)
            env["AUFTAKT_NATS_URL"] = nats_server.start()
            servers.append(nats_server)
        env |= {"AUFTAKT_ENV": "production", "AUFTAKT_LOG_LEVEL": "WARNING"}
        env |= {f"AUFTAKT_{k.upper()}": v for k, v in settings.items()}
        yield env
    finally:
        for server in reversed(servers):
            server.stop()
        if remove_data:
            shutil.rmtree(data, ignore_errors=True)


def settings_of(env: dict[str, str]) -> dict[str, str]:
    """The AUFTAKT_* variables of `env` as settings keyword arguments."""
    return {
        key.removeprefix("AUFTAKT_").lower(): value
        for key, value in env.items()
        if key.startswith("AUFTAKT_")
    }


@contextlib.contextmanager
def start_service(package: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Migrate and run `python -m <package> serve` until the block ends."""
    subprocess.run([sys.executable, "-m", package, "migrate"], env=env, check=True)
    process = subprocess.Popen([sys.executable, "-m", package, "serve"], env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


class Connection:
    """A bare keep-alive HTTP/1.1 connection: the load generator must cost far less CPU
    than the server it measures (httpx spends several ms per request)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base: str) -> Connection:
        host, port = base.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def post(self, host: str, path: str, content_type: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        content = await self.reader.readexactly(length) if length else b""
        return status, content

    def close(self) -> None:
        self.writer.close()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else 0.0


async def copy_rows(
    conn: psycopg.AsyncConnection[Any], table: str, rows: list[tuple[Any, ...]]
) -> None:
    """Bulk load with COPY (`table` may name its columns: `t (a, b)`)."""
    async with conn.cursor() as cursor:
        async with cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                await copy.write_row(row)


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("+psycopg", "")


def sequence_id(key: str) -> uuid.UUID:
    """The id migration 0001 gave a seeded sequence."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"auftakt:sequence:{key}")


WEBSITE = "https://www.musikfuerfirmen.de"
FIRST_NAMES = ("Anna", "Jonas", "Lea", "Felix", "Mia", "Paul", "Emma", "Lukas")
