"""`auftakt browser`: the headless Chromium the dashboard's browser tests drive —
Debian's package, never a browser a tool downloads by itself."""

from __future__ import annotations

import os
import shutil
import subprocess

__all__ = ["ensure_chromium"]

_NAMES = ("chromium", "chromium-browser")


def _found() -> str | None:
    return next((path for name in _NAMES if (path := shutil.which(name))), None)


def ensure_chromium() -> str:
    """The path of Chromium, installed with apt-get first if missing (needs root)."""
    path = _found()
    if path is not None:
        return path
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise SystemExit(
            "Chromium is missing. Install your system's package (Debian/Ubuntu, as root: "
            "`apt-get install chromium`), then run this again."
        )
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"`{' '.join(command)}` failed:\n{result.stderr[-2000:]}")
    path = _found()
    if path is None:
        raise SystemExit("apt-get installed chromium, but no chromium command is on PATH")
    return path
