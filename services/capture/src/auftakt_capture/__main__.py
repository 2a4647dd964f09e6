"""`python -m auftakt_capture [serve|migrate]`."""

from __future__ import annotations

import argparse

import uvicorn
from auftakt_common.settings import load_settings

from .app import migrate
from .settings import CaptureSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auftakt-capture", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    settings = load_settings(CaptureSettings, "capture")
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
