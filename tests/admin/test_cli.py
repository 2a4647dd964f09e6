"""`auftakt admin …` runs admin-api's own commands against a database: create a user
(one-time password printed), refuse a bad one with a message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from auftakt_admin.settings import AdminSettings


def _admin(tmp_path: Path, settings: AdminSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUFTAKT_")}
    env |= {"AUFTAKT_DATABASE_URL": settings.database_url, "AUFTAKT_NATS_URL": settings.nats_url}
    return subprocess.run(
        [sys.executable, "-m", "auftakt_cli", "admin", "--data-dir", str(tmp_path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_auftakt_admin_creates_a_user_with_a_one_time_password(
    tmp_path: Path, admin_settings: AdminSettings
) -> None:
    email = f"vertrieb.{uuid4().hex[:8]}@musikfuerfirmen.example"
    created = _admin(tmp_path, admin_settings, "create-user", "--email", email, "--name", "Tom")
    assert created.returncode == 0, created.stderr
    assert f"sales {email} created; one-time password: " in created.stdout

    again = _admin(tmp_path, admin_settings, "create-user", "--email", email, "--name", "Tom")
    assert again.returncode != 0
    assert "email: Es gibt schon ein Konto mit dieser Adresse" in again.stderr
    assert "Traceback" not in again.stderr


def test_auftakt_admin_refuses_an_address_that_is_no_email_address_and_says_why(
    tmp_path: Path, admin_settings: AdminSettings
) -> None:
    refused = _admin(tmp_path, admin_settings, "create-user", "--email", "a@b", "--name", "Tom")
    assert refused.returncode != 0
    assert "email: keine gültige E-Mail-Adresse: Nach dem @ fehlt eine Domain mit Punkt" in (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr
