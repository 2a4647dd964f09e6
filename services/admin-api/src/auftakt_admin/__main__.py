"""`python -m auftakt_admin [serve|migrate|create-user|first-admin|rebuild|asyncapi]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

import uvicorn

try:
    import uvloop
except ImportError:  # Windows: the standard loop
    uvloop = None  # type: ignore[assignment]
from auftakt_common.catalogue import asyncapi_json
from auftakt_common.db import create_engine
from auftakt_common.settings import load_settings
from auftakt_common.vault_store import KeyStore

from . import accounts
from .app import AdminService, create_app, migrate
from .rebuild import rebuild_projection
from .settings import AdminSettings


async def _serve(settings: AdminSettings) -> None:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.admin_http_host,
        port=settings.admin_http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=False,
    )
    await uvicorn.Server(config).serve()


async def _create_user(settings: AdminSettings, email: str, name: str, role: str) -> None:
    engine = create_engine(settings.database_url, pool_size=1, application_name="admin-cli")
    try:
        async with engine.begin() as conn:
            user, password = await accounts.create_user(conn, email=email, name=name, role=role)
    except accounts.AccountInvalid as exc:
        sys.exit(f"create-user: {exc.field}: {exc}")
    finally:
        await engine.dispose()
    print(f"{user.role} {user.email} created; one-time password: {password}")  # noqa: T201
    print("It must be changed at the first login.")  # noqa: T201


async def _first_admin(settings: AdminSettings, email: str) -> None:
    """Create the first admin unless there is one: what the embedded stack does."""
    engine = create_engine(settings.database_url, pool_size=1, application_name="admin-cli")
    try:
        async with engine.begin() as conn:
            if await accounts.has_admin(conn):
                print(f"admin exists; log in at {settings.admin_url}")  # noqa: T201
                return
            user, password = await accounts.create_user(
                conn, email=email, name="Administrator", role="admin"
            )
    except accounts.AccountInvalid as exc:
        sys.exit(f"first-admin: {exc.field}: {exc}")
    finally:
        await engine.dispose()
    print(  # noqa: T201
        f"first admin created: {user.email}  one-time password: {password}  "
        f"(log in at {settings.admin_url}; choose your own password then)"
    )


async def _rebuild(settings: AdminSettings) -> None:
    engine = create_engine(settings.database_url, pool_size=2, application_name="admin-rebuild")
    try:
        replayed = await rebuild_projection(engine, KeyStore(settings.vault()), settings.nats_url)
    finally:
        await engine.dispose()
    print(f"read model rebuilt from {replayed} events")  # noqa: T201


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    if uvloop is not None:
        uvloop.run(coroutine)
    else:
        asyncio.run(coroutine)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auftakt-admin-api", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the dashboard and the API (default)")
    commands.add_parser("migrate", help="migrate the admin schema")
    create = commands.add_parser("create-user", help="create a user with a one-time password")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=accounts.ROLES, default="sales")
    first = commands.add_parser("first-admin", help="create the first admin if there is none")
    first.add_argument("--email", default="admin@auftakt.example")
    commands.add_parser("rebuild", help="rebuild the read model from the event stream")
    commands.add_parser("asyncapi", help="print the AsyncAPI document")
    args = parser.parse_args(argv)
    settings = load_settings(AdminSettings, "admin-api")
    match args.command:
        case "migrate":
            migrate(settings)
        case "create-user":
            _run(_create_user(settings, args.email, args.name, args.role))
        case "first-admin":
            _run(_first_admin(settings, args.email))
        case "rebuild":
            _run(_rebuild(settings))
        case "asyncapi":
            service = AdminService(settings)
            sys.stdout.write(
                asyncapi_json(service.broker, title="Auftakt admin-api", version="0.1.0")
            )
        case _:
            _run(_serve(settings))


if __name__ == "__main__":
    main()
