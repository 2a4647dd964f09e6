"""Company and person providers behind small interfaces: a domain (or an address) in,
facts out — empty facts when the provider knows nothing — or `ProviderFailed` saying
whether trying again may help. The default reads the company's own website: its home
page (schema.org, OpenGraph) and its imprint (Impressum)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

from .fetch import FetchFailed, FetchRefused, Page, SafeFetcher
from .impressum import CompanyFacts, impressum_link, merge, read_home_page, read_impressum

__all__ = [
    "CompanyProvider",
    "PersonFacts",
    "PersonProvider",
    "ProviderFailed",
    "WebsiteProvider",
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


class WebsiteProvider:
    """Home page, then the page its Impressum link names (else `/impressum`). A missing
    imprint still gives what the home page says; an unreachable home page fails. The
    `local_domains` (a demo's companies) are read from `local_url_template` instead."""

    name = "website"

    def __init__(
        self,
        fetcher: SafeFetcher,
        *,
        url_template: str = "https://{domain}/",
        local_domains: Collection[str] = (),
        local_url_template: str | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._url_template = url_template
        self._local_domains = frozenset(local_domains) if local_url_template else frozenset()
        self._local_url_template = local_url_template or url_template

    def home_page_url(self, domain: str) -> str:
        """Where the company's home page is read."""
        local = domain in self._local_domains
        return (self._local_url_template if local else self._url_template).format(domain=domain)

    async def _get(self, url: str) -> Page:
        try:
            return await self._fetcher.get(url)
        except FetchRefused as exc:
            raise ProviderFailed(str(exc), retryable=False) from exc
        except FetchFailed as exc:
            raise ProviderFailed(str(exc), retryable=exc.retryable) from exc

    async def company(self, domain: str) -> CompanyFacts:
        home = await self._get(self.home_page_url(domain))
        from_home = read_home_page(home.html)
        imprint_url = impressum_link(home.html, home.url) or urljoin(home.url, "impressum")
        try:
            imprint = await self._get(imprint_url)
        except ProviderFailed:
            return from_home
        return merge(read_impressum(imprint.html), from_home)

    async def aclose(self) -> None:
        await self._fetcher.aclose()
