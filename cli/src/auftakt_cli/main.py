"""The `auftakt` command."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from nats.aio.client import Client as NatsClient

from .secrets import fresh_secrets
from .stack import SERVICES, Stack, internal_name, service_env

app = typer.Typer(help="Auftakt: lead management and marketing automation.", no_args_is_help=True)
outbox_app = typer.Typer(help="The transactional outbox of a service.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
dlq_app = typer.Typer(
    help="Dead letters: events a service gave up on, and why.", no_args_is_help=True
)
app.add_typer(dlq_app, name="dlq")

DataDir = Annotated[
    Path, typer.Option(envvar="AUFTAKT_DATA_DIR", help="Where embedded data and secrets live.")
]


@app.command()
def run(
    data_dir: DataDir = Path(".auftakt"),
    pg_port: Annotated[int, typer.Option(envvar="AUFTAKT_EMBEDDED_PG_PORT")] = 15432,
    nats_port: Annotated[int, typer.Option(envvar="AUFTAKT_EMBEDDED_NATS_PORT")] = 14222,
) -> None:
    """Start PostgreSQL, NATS and every service; Ctrl-C stops them all. Data is kept."""
    stack = Stack(
        data_dir=data_dir.resolve(),
        pg_port=pg_port,
        nats_port=nats_port,
        echo=lambda line: typer.echo(line),
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    env = service_env(stack.data_dir)
    code = 1
    try:
        stack.start_servers(env)
        stack.migrate(env)
        stack.ensure_first_admin(env)
        stack.start_demo_sites(env)
        stack.start_services(env)
        # from here Ctrl-C asks the running stack to stop; before, it interrupts start-up
        signal.signal(signal.SIGINT, stack.request_stop)
        signal.signal(signal.SIGTERM, stack.request_stop)
        port = env.get("AUFTAKT_CAPTURE_PORT", "8000")
        mail_port = env.get("AUFTAKT_MAILER_HTTP_PORT", "8030")
        admin_port = env.get("AUFTAKT_ADMIN_HTTP_PORT", "8080")
        typer.echo(
            f"\nAuftakt is running. capture: http://127.0.0.1:{port}  "
            f"(API docs: http://127.0.0.1:{port}/docs)\n"
            f"Sales dashboard: http://127.0.0.1:{admin_port}/admin  (log in with the admin "
            "printed above; fill it with `auftakt demo`)\n"
            f"Mails sent (development): http://127.0.0.1:{mail_port}/dev/mail  "
            "Ctrl-C stops everything.\n"
        )
        code = stack.wait()
    except KeyboardInterrupt:
        code = 130
    finally:
        stack.stop()
    raise typer.Exit(code)


@app.command()
def migrate(data_dir: DataDir = Path(".auftakt")) -> None:
    """Run every service's migrations against AUFTAKT_DATABASE_URL."""
    if "AUFTAKT_DATABASE_URL" not in os.environ:
        raise typer.BadParameter("set AUFTAKT_DATABASE_URL (or use `auftakt run`)")
    env = service_env(data_dir.resolve())
    for name, package in SERVICES.items():
        if subprocess.run([sys.executable, "-m", package, "migrate"], env=env).returncode:
            raise typer.Exit(f"{name}: migrations failed")  # type: ignore[arg-type]
        typer.echo(f"{name}: migrated")


@app.command()
def browser() -> None:
    """Make sure headless Chromium is installed for the dashboard's browser tests
    (Debian's package, via apt-get when run as root)."""
    from .browser import ensure_chromium

    typer.echo(f"chromium: {ensure_chromium()}")


@app.command()
def keys() -> None:
    """Print fresh secrets for a production environment file."""
    for name, value in fresh_secrets().items():
        typer.echo(f"{name}={value}")


@app.command()
def demo(
    url: Annotated[str, typer.Option(help="Where capture answers.")] = "http://127.0.0.1:8000",
    leads: Annotated[int, typer.Option(min=1, max=2000, help="How many leads.")] = 300,
    seed: Annotated[int, typer.Option(help="The same seed sends the same people.")] = 1,
) -> None:
    """Fill a running Auftakt with realistic German demo leads and their website visits,
    through capture's public API, as the website would send them."""
    from .demo import run_demo_command

    if not url.startswith(("http://", "https://")):
        raise typer.BadParameter("--url must start with http:// or https://")
    raise typer.Exit(run_demo_command(url.rstrip("/"), leads, seed, echo=typer.echo))


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def admin(ctx: typer.Context, data_dir: DataDir = Path(".auftakt")) -> None:
    """admin-api's own commands, against the running stack (or AUFTAKT_DATABASE_URL /
    AUFTAKT_NATS_URL): `create-user --email … --name … --role admin|sales`, `first-admin`,
    `rebuild` (the read model, from the event stream)."""
    env = service_env(data_dir.resolve())
    env.setdefault(
        "AUFTAKT_DATABASE_URL",
        "postgresql+psycopg://postgres@127.0.0.1:"
        f"{env.get('AUFTAKT_EMBEDDED_PG_PORT', '15432')}/auftakt",
    )
    env.setdefault("AUFTAKT_NATS_URL", _nats_url())
    command = [sys.executable, "-m", SERVICES["admin-api"], *ctx.args]
    raise typer.Exit(subprocess.run(command, env=env).returncode)


@outbox_app.command("republish")
def outbox_republish(
    service: Annotated[str, typer.Option(help=f"One of: {', '.join(SERVICES)}")],
    since: Annotated[datetime, typer.Option(help="Start (ISO 8601, UTC if no offset)")],
    until: Annotated[datetime, typer.Option(help="End, exclusive")],
) -> None:
    """Publish a time range of a service's events again, e.g. after a broker lost data.
    Harmless to consumers: JetStream deduplicates by event id and their inboxes skip repeats."""
    from auftakt_common.db import create_engine, schema_metadata
    from auftakt_common.outbox import outbox_table, republish

    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")
    if until <= since:
        raise typer.BadParameter("--until must be after --since")
    url = os.environ.get("AUFTAKT_DATABASE_URL")
    if not url:
        raise typer.BadParameter("set AUFTAKT_DATABASE_URL")

    async def go() -> int:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            table = outbox_table(schema_metadata(internal_name(service)))
            return await republish(engine, table, _utc(since), _utc(until))
        finally:
            await engine.dispose()

    count = asyncio.run(go())
    typer.echo(f"{service}: {count} events marked for re-publishing; the relay sends them now")


def _nats_url() -> str:
    return os.environ.get("AUFTAKT_NATS_URL") or "nats://127.0.0.1:" + os.environ.get(
        "AUFTAKT_EMBEDDED_NATS_PORT", "14222"
    )


@dlq_app.command("list")
def dlq_list(
    service: Annotated[str | None, typer.Option(help="Only this service's")] = None,
) -> None:
    """Show the dead letters: sequence, original subject and the error."""
    from auftakt_common.dead_letters import list_dead_letters
    from nats.js.errors import NotFoundError

    if service is not None and service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")

    async def go() -> None:
        nc = await _connect()
        try:
            letters = await list_dead_letters(
                nc.jetstream(), internal_name(service) if service else None
            )
        except NotFoundError:
            letters = []  # no service has started yet: no dead-letter stream, no letters
        finally:
            await nc.close()
        for letter in letters:
            typer.echo(f"{letter.sequence:>8}  {letter.subject:<45} {letter.error}")
        typer.echo(f"{len(letters)} dead letters")

    asyncio.run(go())


@dlq_app.command("replay")
def dlq_replay(
    service: Annotated[str, typer.Option(help=f"One of: {', '.join(SERVICES)}")],
) -> None:
    """Send a service's dead letters to their subjects again (after fixing the cause)."""
    from auftakt_common.dead_letters import replay_dead_letters

    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")

    async def go() -> int:
        nc = await _connect()
        try:
            return await replay_dead_letters(nc.jetstream(), internal_name(service))
        finally:
            await nc.close()

    typer.echo(f"{service}: {asyncio.run(go())} dead letters replayed")


async def _connect() -> NatsClient:
    import nats

    url = _nats_url()
    try:
        # one attempt, bounded: a command must say what is wrong, not keep trying
        return await asyncio.wait_for(
            nats.connect(url, connect_timeout=3, allow_reconnect=False), timeout=5
        )
    except Exception as exc:
        message = f"cannot reach NATS at {url} ({exc}); set AUFTAKT_NATS_URL"
        raise typer.BadParameter(message) from None


def _utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
