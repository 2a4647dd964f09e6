"""enrichment's settings: the personal-data base (it opens a lead's address to find the
company domain), the company and person providers with their limits, the AI analysis,
and the work loop."""

from __future__ import annotations

from typing import Annotated, Literal

from auftakt_common.events import Stage
from auftakt_common.settings import PersonalDataSettings
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from .fetch import origin

CompanyProviderName = Literal["website", "pdl"]


class EnrichmentSettings(PersonalDataSettings):
    # who answers for companies, asked in this order, their facts merged (the first
    # provider's value wins per field): `website` reads the company's own home page and
    # imprint (no key, the default), `pdl` is People Data Labs' company enrichment
    enrichment_company_providers: Annotated[list[CompanyProviderName], NoDecode] = ["website"]
    # more freemail domains than the built-in list (comma-separated)
    enrichment_freemail_domains: Annotated[list[str], NoDecode] = []
    # how long a company's facts are trusted before they are fetched again
    enrichment_cache_days: int = Field(default=30, ge=1)
    # a failing provider is retried with back-off this many times, then the company (and
    # its leads) is marked not enriched and everything carries on
    enrichment_max_attempts: int = Field(default=3, ge=1, le=20)
    enrichment_retry_base_seconds: float = Field(default=30.0, gt=0)
    enrichment_poll_interval_seconds: float = Field(default=1.0, gt=0)
    enrichment_batch: int = Field(default=50, ge=1, le=1000)

    # the website provider: where it finds a company's home page (`{domain}`: the
    # company's), its pace (calls a second and at once, per process), a monthly budget
    enrichment_website_url: str = "https://{domain}/"
    enrichment_website_rate_per_second: float = Field(default=2.0, gt=0)
    enrichment_website_concurrency: int = Field(default=4, ge=1, le=64)
    enrichment_website_monthly_budget: int = Field(default=100_000, ge=0)
    enrichment_fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    enrichment_fetch_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # tests only: let the website provider reach private and loopback addresses
    enrichment_fetch_allow_private: bool = False
    # demos only (`auftakt run` sets both for `auftakt demo`'s companies): these domains'
    # websites are read at `enrichment_website_local_url` (`{domain}`: the company's), even
    # on a loopback address; every other domain is read from the internet, as always
    enrichment_website_local_domains: Annotated[list[str], NoDecode] = []
    enrichment_website_local_url: str | None = None

    # People Data Labs (company enrichment, and person enrichment when switched on)
    enrichment_pdl_url: str = "https://api.peopledatalabs.com/v5"
    enrichment_pdl_api_key: SecretStr | None = None
    enrichment_pdl_rate_per_second: float = Field(default=5.0, gt=0)
    enrichment_pdl_concurrency: int = Field(default=4, ge=1, le=64)
    enrichment_pdl_monthly_budget: int = Field(default=1_000, ge=0)
    enrichment_pdl_timeout_seconds: float = Field(default=10.0, gt=0)
    # PDL's match confidence (1–10) below which a result is not taken
    enrichment_pdl_min_likelihood: int = Field(default=6, ge=1, le=10)

    # person enrichment (job title → decision maker): off unless a legal basis is
    # documented (GDPR Art. 6(1)(f) and the Art. 14 notice, see docs/enrichment.md)
    enrichment_person_provider: Literal["off", "pdl"] = "off"
    enrichment_person_monthly_budget: int = Field(default=500, ge=0)

    # the AI lead analysis: without a key the rule-based analysis answers
    enrichment_anthropic_api_key: SecretStr | None = None
    enrichment_anthropic_url: str | None = None
    enrichment_analysis_model: str = "claude-sonnet-5-5"
    enrichment_analysis_max_tokens: int = Field(default=1024, ge=256, le=8192)
    enrichment_analysis_daily_budget: int = Field(default=200, ge=0)
    enrichment_analysis_timeout_seconds: float = Field(default=30.0, gt=0)
    # analysed automatically when a lead rises into one of these stages
    enrichment_analysis_stages: Annotated[list[Stage], NoDecode] = ["hot", "burning"]
    # how long "Mit Claude analysieren" waits for the answer before saying it is working
    enrichment_analyze_wait_seconds: float = Field(default=5.0, gt=0, le=30)
    # analyses at once per process
    enrichment_analysis_concurrency: int = Field(default=4, ge=1, le=32)

    enrichment_max_in_flight: int = Field(default=1024, ge=1)
    enrichment_max_deliver: int = Field(default=8, ge=1)

    @field_validator(
        "enrichment_freemail_domains",
        "enrichment_website_local_domains",
        "enrichment_company_providers",
        "enrichment_analysis_stages",
        mode="before",
    )
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _providers_have_keys(self) -> EnrichmentSettings:
        if not self.enrichment_company_providers:
            raise ValueError("AUFTAKT_ENRICHMENT_COMPANY_PROVIDERS names no provider")
        uses_pdl = "pdl" in self.enrichment_company_providers
        if (uses_pdl or self.enrichment_person_provider == "pdl") and not _given(
            self.enrichment_pdl_api_key
        ):
            raise ValueError("AUFTAKT_ENRICHMENT_PDL_API_KEY is required for the pdl provider")
        return self

    @model_validator(mode="after")
    def _local_sites_only_for_demos(self) -> EnrichmentSettings:
        if not self.enrichment_website_local_domains:
            return self
        if self.env == "production":
            raise ValueError(
                "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS is for demos, not for production"
            )
        url = self.enrichment_website_local_url or ""
        if not url.startswith(("http://", "https://")) or "{domain}" not in url:
            raise ValueError(
                "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL must be an http(s) URL with {domain} "
                "when AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS names domains"
            )
        return self

    @property
    def website_local_origins(self) -> frozenset[str]:
        """The origins the local domains' websites are read from (see fetch.FetchLimits)."""
        url = self.enrichment_website_local_url
        if url is None:
            return frozenset()
        return frozenset(
            origin(url.format(domain=d)) for d in self.enrichment_website_local_domains
        )

    @property
    def anthropic_api_key(self) -> str | None:
        """The Claude API key, or None: the rule-based analysis answers."""
        key = self.enrichment_anthropic_api_key
        return key.get_secret_value().strip() if _given(key) and key is not None else None


def _given(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value().strip())
