"""`python -m auftakt_capture [serve|migrate]`."""

from __future__ import annotations

import argparse
import sys

import uvicorn
from auftakt_common.logging import configure_logging
from pydantic import ValidationError

from .app import migrate
from .settings import CaptureSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auftakt-capture", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    try:
        settings = CaptureSettings()
    except ValidationError as exc:
        sys.exit(f"capture: invalid settings:\n{exc}")
    configure_logging(
        service="capture", fmt=settings.effective_log_format, level=settings.log_level
    )
    if args.command == "migrate":
        migrate(settings)
        return
    uvicorn.run(
        "auftakt_capture.app:create_app_from_env",
        factory=True,
        host=settings.capture_host,
        port=settings.capture_port,
        workers=settings.capture_workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # handled in the app, with our trusted proxies
        server_header=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
