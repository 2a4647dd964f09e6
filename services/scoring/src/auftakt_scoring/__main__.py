"""`python -m auftakt_scoring [serve|migrate|asyncapi]`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from auftakt_common.catalogue import asyncapi_json
from auftakt_common.settings import load_settings

from .app import ScoringService, migrate
from .settings import ScoringSettings


async def _serve(settings: ScoringSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    service = ScoringService(settings)
    try:
        await service.start()
        await stop.wait()
    finally:
        await service.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auftakt-scoring", description=__doc__)
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "migrate", "asyncapi"]
    )
    args = parser.parse_args(argv)
    settings = load_settings(ScoringSettings, "scoring")
    if args.command == "migrate":
        migrate(settings)
        return
    if args.command == "asyncapi":  # the event catalogue: docs/asyncapi/scoring.json
        service = ScoringService(settings, decay=False)
        sys.stdout.write(asyncapi_json(service.broker, title="Auftakt scoring", version="0.1.0"))
        return
    asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
