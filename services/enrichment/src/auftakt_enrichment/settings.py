"""enrichment's settings: the personal-data base (it opens a lead's address to find the
company domain) plus providers, their limits, and the work loop."""

from __future__ import annotations

from typing import Annotated, Literal

from auftakt_common.settings import PersonalDataSettings
from pydantic import Field, field_validator
from pydantic_settings import NoDecode


class EnrichmentSettings(PersonalDataSettings):
    # which company provider answers: `website` reads the company's own home page and
    # imprint (no key, the default)
    enrichment_company_provider: Literal["website"] = "website"
    # more freemail domains than the built-in list (comma-separated)
    enrichment_freemail_domains: Annotated[list[str], NoDecode] = []
    # how long a company's facts are trusted before they are fetched again
    enrichment_cache_days: int = Field(default=30, ge=1)
    # provider calls: at most this many per second and this many per month, per process
    enrichment_rate_per_second: float = Field(default=2.0, gt=0)
    enrichment_monthly_budget: int = Field(default=10_000, ge=0)
    enrichment_concurrency: int = Field(default=4, ge=1, le=64)
    # a failing provider is retried with back-off this many times, then the company (and
    # its leads) is marked not enriched and everything carries on
    enrichment_max_attempts: int = Field(default=3, ge=1, le=20)
    enrichment_retry_base_seconds: float = Field(default=30.0, gt=0)
    enrichment_poll_interval_seconds: float = Field(default=1.0, gt=0)
    enrichment_batch: int = Field(default=50, ge=1, le=1000)
    # where the website provider finds a company's home page (`{domain}`: the company's)
    enrichment_website_url: str = "https://{domain}/"
    # website provider limits
    enrichment_fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    enrichment_fetch_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # tests only: let the website provider reach private and loopback addresses
    enrichment_fetch_allow_private: bool = False
    enrichment_max_in_flight: int = Field(default=1024, ge=1)
    enrichment_max_deliver: int = Field(default=8, ge=1)

    @field_validator("enrichment_freemail_domains", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value
