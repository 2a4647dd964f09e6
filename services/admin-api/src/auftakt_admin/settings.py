"""admin-api's settings: the shared personal-data base (staff see leads decrypted) plus
HTTP, sessions, login throttling and the owners' command timeouts."""

from __future__ import annotations

from auftakt_common.settings import PersonalDataSettings
from pydantic import Field


class AdminSettings(PersonalDataSettings):
    admin_http_host: str = "127.0.0.1"
    admin_http_port: int = Field(default=8080, ge=1, le=65535)

    # a session ends after this much idleness, and at the latest after `max_hours`
    admin_session_idle_minutes: int = Field(default=12 * 60, ge=5)
    admin_session_max_hours: int = Field(default=7 * 24, ge=1)
    # failed logins per address and per client within the window before logins are refused
    admin_login_failures_per_account: int = Field(default=5, ge=1)
    admin_login_failures_per_client: int = Field(default=20, ge=1)
    admin_login_window_minutes: int = Field(default=15, ge=1)

    # how long the editors wait for scoring, the mailer or enrichment to answer a command
    admin_command_timeout_seconds: float = Field(default=5.0, gt=0)
    # "Mit Claude analysieren": enrichment answers within 5 s (done, or still running),
    # so a little longer than that
    admin_analysis_timeout_seconds: float = Field(default=8.0, gt=0)
    # events written to the read model per transaction
    admin_projection_batch: int = Field(default=500, ge=1, le=5000)
    admin_max_in_flight: int = Field(default=2048, ge=1)
    admin_max_deliver: int = Field(default=8, ge=1)

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over https, except on a developer's machine or in tests."""
        return self.env == "production"
