"""`python -m auftakt_enrichment [serve|migrate|asyncapi]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from auftakt_common.catalogue import asyncapi_json
from auftakt_common.settings import load_settings

from .app import EnrichmentService, migrate
from .settings import EnrichmentSettings


async def _serve(settings: EnrichmentSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(sig, stop.set)
    async with EnrichmentService(settings):
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auftakt-enrichment", description=__doc__)
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "migrate", "asyncapi"]
    )
    args = parser.parse_args(argv)
    settings = load_settings(EnrichmentSettings, "enrichment")
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "asyncapi":
        service = EnrichmentService(settings, work=False)
        sys.stdout.write(asyncapi_json(service.broker, title="Auftakt enrichment", version="0.1.0"))
    else:
        asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
