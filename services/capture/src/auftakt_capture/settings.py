"""Capture's settings: the shared base plus what the public front door needs."""

from __future__ import annotations

from typing import Annotated

from auftakt_common.settings import PersonalDataSettings
from pydantic import Field, field_validator
from pydantic_settings import NoDecode


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class CaptureSettings(PersonalDataSettings):
    capture_host: str = "127.0.0.1"
    capture_port: int = Field(default=8000, ge=1, le=65535)
    capture_workers: int = Field(default=1, ge=1, le=64)
    # the website origins: CORS, and where form posts may be redirected to
    capture_allowed_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]
    # proxies whose X-Forwarded-For is believed (the client IP feeds rate limits)
    capture_trusted_proxies: Annotated[list[str], NoDecode] = ["127.0.0.1"]
    capture_rate_limit_enabled: bool = True
    capture_lead_rate_limit: str = "20/minute"
    capture_activity_rate_limit: str = "600/minute"
    capture_max_lead_body_bytes: int = Field(default=32 * 1024, ge=1024)
    capture_max_activity_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # the demo company website at /demo/ (snippet, forms, calculator, quiz); None: on
    # outside production
    capture_demo_site: bool | None = None

    @property
    def serves_demo_site(self) -> bool:
        return (
            self.capture_demo_site
            if self.capture_demo_site is not None
            else (self.env != "production")
        )

    # how long the personal download link in a lead magnet's mail works
    capture_download_link_days: int = Field(default=30, ge=1, le=365)

    _split_lists = field_validator(
        "capture_allowed_origins", "capture_trusted_proxies", mode="before"
    )(_comma_list)
