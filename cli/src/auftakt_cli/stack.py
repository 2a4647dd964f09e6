"""The embedded stack: PostgreSQL and NATS from their wheels, then every service, with
their logs interleaved, and the demo companies' websites for enrichment to read; stopped in
reverse order on Ctrl-C. Data stays in the data folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auftakt_common.embedded import EmbeddedNats, EmbeddedPostgres

from .demo_sites import DemoSites
from .secrets import load_or_create_secrets

__all__ = ["SERVICES", "Stack", "internal_name", "service_env"]

# service name → its package; run as `python -m <package> serve|migrate`. Services are
# started as processes, never imported: the CLI knows only their names.
SERVICES: dict[str, str] = {
    "capture": "auftakt_capture",
    "scoring": "auftakt_scoring",
    "mailer": "auftakt_mailer",
    "admin-api": "auftakt_admin",
    "enrichment": "auftakt_enrichment",
}


def internal_name(service: str) -> str:
    """What a service calls itself inside: its schema, its consumers and dead letters
    (`admin-api` → `admin`)."""
    return SERVICES[service].removeprefix("auftakt_")


_COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[31m"]
_RESET = "\033[0m"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def service_env(data_dir: Path) -> dict[str, str]:
    """The environment services run with: ours, plus the data folder's generated secrets
    for any secret not set explicitly."""
    env = dict(os.environ)
    for name, value in load_or_create_secrets(data_dir / "secrets.env").items():
        env.setdefault(name, value)
    env.setdefault("AUFTAKT_ENV", "development")
    # development mail goes to files a person can read (listed at the mailer's /dev/mail)
    env.setdefault("AUFTAKT_MAILER_FILES_DIR", str(data_dir / "mail"))
    # the links in mails (confirm, unsubscribe) point at the local capture
    env.setdefault(
        "AUFTAKT_PUBLIC_URL", f"http://127.0.0.1:{env.get('AUFTAKT_CAPTURE_PORT', '8000')}"
    )
    env.setdefault(
        "AUFTAKT_ADMIN_URL", f"http://127.0.0.1:{env.get('AUFTAKT_ADMIN_HTTP_PORT', '8080')}/admin"
    )
    # one machine, one address: `auftakt demo` sends hundreds of leads from it, which the
    # public per-client limit (20 leads a minute) is there to stop in production
    env.setdefault("AUFTAKT_CAPTURE_RATE_LIMIT_ENABLED", "false")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@dataclass
class Stack:
    data_dir: Path
    pg_port: int
    nats_port: int
    echo: Callable[[str], None] = print
    _postgres: EmbeddedPostgres | None = None
    _nats: EmbeddedNats | None = None
    _demo_sites: DemoSites | None = None
    _services: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # a plain flag: a signal handler must not take locks the interrupted code may hold
    # (threading.Event.set from a handler deadlocks against Event.wait in the main thread)
    _stop_requested: bool = False

    def start_servers(self, env: dict[str, str]) -> None:
        """Embedded PostgreSQL and NATS, unless the environment points at external ones."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if "AUFTAKT_DATABASE_URL" not in os.environ:
            if not _port_free(self.pg_port):
                raise SystemExit(f"port {self.pg_port} is taken; set AUFTAKT_EMBEDDED_PG_PORT")
            self._postgres = EmbeddedPostgres(self.data_dir / "postgres", self.pg_port)
            env["AUFTAKT_DATABASE_URL"] = self._postgres.start()
            self.echo(f"postgres | embedded PostgreSQL on 127.0.0.1:{self.pg_port}")
        if "AUFTAKT_NATS_URL" not in os.environ:
            if not _port_free(self.nats_port):
                raise SystemExit(f"port {self.nats_port} is taken; set AUFTAKT_EMBEDDED_NATS_PORT")
            self._nats = EmbeddedNats(
                self.data_dir / "nats",
                self.nats_port,
                # `always` (fsync every message) unless told otherwise: docs/benchmarks.md
                sync_interval=os.environ.get("AUFTAKT_EMBEDDED_NATS_SYNC_INTERVAL", "always"),
            )
            env["AUFTAKT_NATS_URL"] = self._nats.start()
            self.echo(f"nats     | embedded NATS (JetStream) on 127.0.0.1:{self.nats_port}")

    def migrate(self, env: dict[str, str]) -> None:
        for name, package in SERVICES.items():
            result = subprocess.run([sys.executable, "-m", package, "migrate"], env=env)
            if result.returncode != 0:
                raise SystemExit(f"{name}: migrations failed (exit {result.returncode})")
            self.echo(f"{name:<8} | migrated")

    def ensure_first_admin(self, env: dict[str, str]) -> None:
        """The first admin on a fresh stack; its one-time password is printed once."""
        result = subprocess.run(
            [sys.executable, "-m", SERVICES["admin-api"], "first-admin"],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"admin-api: creating the first admin failed:\n{result.stderr}")
        self.echo(f"admin-api | {result.stdout.strip()}")

    def start_demo_sites(self, env: dict[str, str]) -> None:
        """The demo companies' websites on loopback, and enrichment told to read those
        companies there: outside production, unless the environment names local sites
        itself (an empty AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS: none)."""
        if env.get("AUFTAKT_ENV") == "production" or (
            "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS" in env
        ):
            return
        port = int(env.get("AUFTAKT_DEMO_SITES_PORT", "8090"))
        if not _port_free(port):  # the stack works without them: say so, carry on
            self.echo(
                f"demo     | port {port} is taken: the demo companies' websites are not "
                "served, so enrichment cannot read them (set AUFTAKT_DEMO_SITES_PORT)"
            )
            return
        self._demo_sites = DemoSites(port)
        self._demo_sites.start()
        env.update(self._demo_sites.enrichment_env())
        self.echo(f"demo     | the demo companies' websites on {self._demo_sites.url}")

    def start_services(self, env: dict[str, str]) -> None:
        width = max(len(name) for name in SERVICES)
        for index, (name, package) in enumerate(SERVICES.items()):
            process = subprocess.Popen(
                [sys.executable, "-m", package, "serve"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # we stop services ourselves, before the servers
            )
            self._services[name] = process
            prefix = f"{_COLOURS[index % len(_COLOURS)]}{name:<{width}}{_RESET} | "
            threading.Thread(target=self._relay_output, args=(process, prefix), daemon=True).start()

    def _relay_output(self, process: subprocess.Popen[bytes], prefix: str) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(prefix + line.decode(errors="replace"))
            sys.stdout.flush()

    def wait(self) -> int:
        """Until Ctrl-C (0) or a service dies on its own (1)."""
        while not self._stop_requested:
            for name, process in self._services.items():
                if process.poll() is not None:
                    self.echo(f"{name} exited with {process.returncode}; stopping")
                    return 1
            time.sleep(0.5)  # a signal cuts it short
        return 0

    def request_stop(self, *_: object) -> None:
        self._stop_requested = True

    def stop(self) -> None:
        for process in self._services.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 20
        for process in self._services.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        if self._demo_sites is not None:
            self._demo_sites.stop()
        if self._nats is not None:
            self._nats.stop()
        if self._postgres is not None:
            self._postgres.stop()
        self.echo("stopped")
