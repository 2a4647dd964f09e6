"""An SMTP sink in its own process for benchmarks: Postfix's `smtp-sink` (C) when
installed, else a small aiosmtpd server; it counts what it accepted."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auftakt_common.embedded import free_port

_AIOSMTPD_SINK = """
import asyncio, sys
from aiosmtpd.smtp import SMTP

class Counter:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Counter.count += 1
        sys.stdout.write(f"mesg={Counter.count}\\r")
        sys.stdout.flush()
        return "250 OK"

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Counter(), hostname="sink"), "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()

asyncio.run(main())
"""


class Sink:
    """An SMTP server in its own process that accepts, counts and discards every mail."""

    def __init__(self) -> None:
        self.port = free_port()
        self._output = Path(tempfile.mkstemp(prefix="auftakt-sink-")[1])
        binary = shutil.which("smtp-sink", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
        if binary:
            user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root
            command = [binary, *user, "-c", f"127.0.0.1:{self.port}", "1000"]
            self.name = "Postfix smtp-sink (C, one process)"
        else:
            command = [sys.executable, "-c", _AIOSMTPD_SINK, str(self.port)]
            self.name = "aiosmtpd (Python, one process)"
        with self._output.open("wb") as out:
            self._process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"the SMTP sink did not start: {self._output.read_text()[-500:]}")

    def received(self) -> int:
        """Mails accepted so far (the sink prints a running `mesg=N` counter)."""
        counts = re.findall(rb"mesg=(\d+)", self._output.read_bytes())
        return int(counts[-1]) if counts else 0

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._output.unlink(missing_ok=True)
