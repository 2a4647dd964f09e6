"""Bad input to the command line gets a message naming the problem, not a traceback."""

from __future__ import annotations

import pytest
from auftakt_cli.main import app
from auftakt_common.embedded import free_port
from auftakt_common.settings import load_settings
from auftakt_scoring.settings import ScoringSettings
from typer.testing import CliRunner

runner = CliRunner()


def test_dlq_commands_name_an_unknown_service() -> None:
    for command in (["dlq", "replay", "--service", "mailerx"], ["dlq", "list", "--service", "x"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "unknown service" in result.output


def test_dlq_list_says_where_it_could_not_reach_nats(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AUFTAKT_NATS_URL", url)
    result = runner.invoke(app, ["dlq", "list"])
    assert result.exit_code == 2
    assert f"cannot reach NATS at {url}" in result.output


def test_invalid_service_settings_exit_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUFTAKT_SCORING_MAX_BATCH", "0")
    with pytest.raises(SystemExit) as exited:
        load_settings(ScoringSettings, "scoring")
    assert "scoring: invalid settings" in str(exited.value.code)
    assert "scoring_max_batch" in str(exited.value.code)
