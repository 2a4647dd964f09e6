"""Company and person providers behind small interfaces: a domain (or an address) in,
facts out — empty facts when the provider knows nothing — or `ProviderFailed` saying
whether trying again may help. The implementations: `website.py` (the default, the
company's own website and imprint) and `pdl.py` (People Data Labs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .impressum import CompanyFacts

__all__ = [
    "CompanyProvider",
    "PersonFacts",
    "PersonProvider",
    "ProviderFailed",
]


class ProviderFailed(Exception):
    """The provider gave no answer. `retryable`: trying later may help; `retry_after`:
    seconds the provider asked us to wait (HTTP 429)."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class CompanyProvider(Protocol):
    name: str

    async def company(self, domain: str) -> CompanyFacts: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class PersonFacts:
    """What a person provider says about the person behind an address (personal data:
    stored only sealed with the lead's key)."""

    full_name: str | None = None
    job_title: str | None = None
    job_role: str | None = None
    job_levels: tuple[str, ...] = ()
    company_name: str | None = None
    linkedin_url: str | None = None


class PersonProvider(Protocol):
    name: str

    async def person(self, email: str) -> PersonFacts | None: ...

    async def aclose(self) -> None: ...
