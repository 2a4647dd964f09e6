"""Company providers behind one interface: a domain in, `CompanyFacts` out, or
`ProviderFailed` saying whether trying again may help. The default reads the company's
own website: its home page (schema.org, OpenGraph) and its imprint (Impressum)."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urljoin

from .fetch import FetchFailed, FetchRefused, Page, SafeFetcher
from .impressum import CompanyFacts, impressum_link, merge, read_home_page, read_impressum

__all__ = ["CompanyProvider", "ProviderFailed", "WebsiteProvider"]


class ProviderFailed(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class CompanyProvider(Protocol):
    name: str

    async def company(self, domain: str) -> CompanyFacts: ...


class WebsiteProvider:
    """Home page, then the page its Impressum link names (else `/impressum`). A missing
    imprint still gives what the home page says; an unreachable home page fails."""

    name = "website"

    def __init__(self, fetcher: SafeFetcher, *, url_template: str = "https://{domain}/") -> None:
        self._fetcher = fetcher
        self._url_template = url_template

    async def _get(self, url: str) -> Page:
        try:
            return await self._fetcher.get(url)
        except FetchRefused as exc:
            raise ProviderFailed(str(exc), retryable=False) from exc
        except FetchFailed as exc:
            raise ProviderFailed(str(exc), retryable=exc.retryable) from exc

    async def company(self, domain: str) -> CompanyFacts:
        home = await self._get(self._url_template.format(domain=domain))
        from_home = read_home_page(home.html)
        imprint_url = impressum_link(home.html, home.url) or urljoin(home.url, "impressum")
        try:
            imprint = await self._get(imprint_url)
        except ProviderFailed:
            return from_home
        return merge(read_impressum(imprint.html), from_home)
