"""`auftakt run` as a newcomer uses it: start everything, take a lead, Ctrl-C, start again
and find the lead still there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from auftakt_common.embedded import free_port


def start_stack(data_dir: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUFTAKT_")}
    env |= {
        "AUFTAKT_EMBEDDED_PG_PORT": str(ports["pg"]),
        "AUFTAKT_EMBEDDED_NATS_PORT": str(ports["nats"]),
        "AUFTAKT_CAPTURE_PORT": str(ports["http"]),
        "AUFTAKT_MAILER_HTTP_PORT": str(ports["mail"]),
        "AUFTAKT_ADMIN_HTTP_PORT": str(ports["admin"]),
        "AUFTAKT_DEMO_SITES_PORT": str(ports["demo"]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "auftakt_cli", "run", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout}s")


def stop(process: subprocess.Popen[bytes], presses: int = 1) -> str:
    """Ctrl-C, `presses` times in quick succession (an impatient user)."""
    for _ in range(presses):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    output, _ = process.communicate(timeout=40)
    assert process.returncode == 0, output.decode()
    return output.decode()


def page_text(url: str) -> str:
    try:
        return httpx.get(url, timeout=2).text
    except httpx.TransportError:  # not listening yet
        return ""


def scored_leads(pg_port: int) -> int:
    with psycopg.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="auftakt") as conn:
        row = conn.execute("SELECT count(*) FROM scoring.lead_scores").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.timeout(300)  # five services started twice, each migrating first
def test_run_starts_everything_keeps_data_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("pg", "nats", "http", "mail", "admin", "demo")}
    base = f"http://127.0.0.1:{ports['http']}"
    email = "newcomer.test@example-firma.de"

    first = start_stack(tmp_path / "data", ports)
    try:
        wait_healthy(f"{base}/readyz", first)
        response = httpx.post(
            f"{base}/v1/leads",
            data={"email": email, "first_name": "Nina", "consent_marketing": "on"},
        )
        assert response.status_code == 303
        # scoring runs too: it learns of the new lead from capture's event
        deadline = time.monotonic() + 30
        while scored_leads(ports["pg"]) == 0:
            assert time.monotonic() < deadline, "scoring never saw the lead"
            time.sleep(0.2)
        # and the mailer asks for consent; a person reads the mail in the browser
        mails = f"http://127.0.0.1:{ports['mail']}/dev/mail"
        while "Bitte bestätigen Sie Ihre Anmeldung" not in page_text(mails):
            assert time.monotonic() < deadline, "the confirmation mail never arrived"
            time.sleep(0.2)
        assert len(list((tmp_path / "data" / "mail").glob("*.eml"))) == 1
        # sales log in on the dashboard with the first admin the run printed
        wait_healthy(f"http://127.0.0.1:{ports['admin']}/healthz", first)
        login = httpx.get(f"http://127.0.0.1:{ports['admin']}/admin/login")
        assert login.status_code == 200 and "Anmelden" in login.text
    finally:
        output = stop(first)
    assert "capture" in output and "scoring started" in output and "mailer started" in output
    assert "first admin created: admin@auftakt.example  one-time password: " in output
    assert f"http://127.0.0.1:{ports['admin']}/admin" in output
    assert "stopped" in output

    second = start_stack(tmp_path / "data", ports)
    try:
        wait_healthy(f"{base}/readyz", second)
        with psycopg.connect(
            host="127.0.0.1", port=ports["pg"], user="postgres", dbname="auftakt"
        ) as conn:
            row = conn.execute(
                "SELECT count(*), bool_and(email_ct IS NOT NULL) FROM capture.leads"
            ).fetchone()
        assert row == (1, True)
    finally:
        stop(second, presses=3)
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftovers.stdout == ""
