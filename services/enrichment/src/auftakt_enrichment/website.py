"""The default company provider: the company's own website — its home page (schema.org,
OpenGraph) and its imprint (Impressum) — read through the SSRF-safe fetcher."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urljoin

from .fetch import FetchFailed, FetchRefused, Page, SafeFetcher
from .impressum import CompanyFacts, impressum_link, merge, read_home_page, read_impressum
from .providers import ProviderFailed

__all__ = ["WebsiteProvider"]


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
