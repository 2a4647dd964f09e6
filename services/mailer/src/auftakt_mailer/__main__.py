"""`python -m auftakt_mailer [serve|migrate|asyncapi]`."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn

try:
    import uvloop
except ImportError:  # Windows: the standard loop
    uvloop = None  # type: ignore[assignment]
from auftakt_common.catalogue import asyncapi_json
from auftakt_common.settings import load_settings

from .app import MailerService, create_app, migrate
from .settings import MailerSettings


async def _serve(settings: MailerSettings) -> None:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.mailer_http_host,
        port=settings.mailer_http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    if settings.mailer_transport == "files" and settings.env != "production":
        print(  # noqa: T201 — a pointer for the person running the stack
            f"mails are written to {settings.mailer_files_dir.resolve()}; read them at "
            f"http://{settings.mailer_http_host}:{settings.mailer_http_port}/dev/mail",
            flush=True,
        )
    await uvicorn.Server(config).serve()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auftakt-mailer", description=__doc__)
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "migrate", "asyncapi"]
    )
    args = parser.parse_args(argv)
    settings = load_settings(MailerSettings, "mailer")
    if args.command == "migrate":
        migrate(settings)
        return
    if args.command == "asyncapi":  # the event catalogue: docs/asyncapi/mailer.json
        service = MailerService(settings, dispatch=False)
        sys.stdout.write(asyncapi_json(service.broker, title="Auftakt mailer", version="0.1.0"))
        return
    if uvloop is not None:
        uvloop.run(_serve(settings))
    else:
        asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
