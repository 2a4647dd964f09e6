"""People Data Labs (PDL): company enrichment by web domain, and person enrichment by
e-mail address (optional, off by default). One HTTP client on httpx; the base URL, key,
timeout and the minimum match confidence (`min_likelihood`) come from settings.

Chosen over Apollo's organisation enrichment because PDL charges only for a match (404
costs nothing), states a match confidence per answer, and serves companies and people
from one documented, versioned API (v5) with a plain API key."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .impressum import CompanyFacts
from .providers import PersonFacts, ProviderFailed

__all__ = ["PdlClient", "PdlCompanies", "PdlPeople", "employees_of"]

_MAX_RETRY_AFTER = 3600.0


def _text(value: object, limit: int = 300) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:limit] if text else None


def _url(value: object) -> str | None:
    text = _text(value, 500)
    if text is None:
        return None
    return text if text.startswith(("http://", "https://")) else f"https://{text}"


def employees_of(count: object, size: object) -> int | None:
    """The head count PDL states, else the lower bound of its size range ("201-500")."""
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    if isinstance(size, str):
        lower = size.split("-")[0].rstrip("+").strip()
        if lower.isdigit() and int(lower) > 0:
            return int(lower)
    return None


def _title(value: object) -> str | None:
    """PDL writes names in lower case unless asked; keep what is mixed already."""
    text = _text(value)
    return text.title() if text and text.islower() else text


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER)
    except ValueError:
        return None


class PdlClient:
    """The HTTP side: a GET with the key, answers sorted into data, no match, or
    `ProviderFailed` (retryable: timeouts, connection errors, 429, 5xx)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float,
        min_likelihood: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._min_likelihood = min_likelihood
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers={"X-Api-Key": api_key, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        """The record PDL matched, or None when it knows none (HTTP 404)."""
        query = {**params, "min_likelihood": str(self._min_likelihood)}
        try:
            response = await self._client.get(path, params=query)
        except httpx.TimeoutException:
            raise ProviderFailed("PDL timed out", retryable=True) from None
        except httpx.TransportError as exc:
            message = f"PDL unreachable ({type(exc).__name__})"
            raise ProviderFailed(message, retryable=True) from None
        status = response.status_code
        if status == 404:
            return None
        if status == 429:
            raise ProviderFailed(
                "PDL rate limit reached", retryable=True, retry_after=_retry_after(response)
            )
        if status == 402:
            raise ProviderFailed("PDL: no credits left on the account", retryable=False)
        if status in (401, 403):
            raise ProviderFailed(f"PDL refused the API key (HTTP {status})", retryable=False)
        if status >= 500:
            raise ProviderFailed(f"PDL answered HTTP {status}", retryable=True)
        if status != 200:
            raise ProviderFailed(f"PDL answered HTTP {status}", retryable=False)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ProviderFailed("PDL answered something not JSON", retryable=True) from None
        if not isinstance(body, dict):
            raise ProviderFailed("PDL answered an unexpected shape", retryable=False)
        likelihood = body.get("likelihood")
        if isinstance(likelihood, int) and likelihood < self._min_likelihood:
            return None
        return body


class PdlCompanies:
    """Company enrichment by website: head count, revenue range, industry, location."""

    name = "pdl"

    def __init__(self, client: PdlClient) -> None:
        self._client = client

    async def company(self, domain: str) -> CompanyFacts:
        record = await self._client.get("company/enrich", {"website": domain})
        if record is None:
            return CompanyFacts()
        location = record.get("location")
        location = location if isinstance(location, dict) else {}
        return CompanyFacts(
            name=_text(record.get("display_name")) or _title(record.get("name")),
            street=_title(location.get("street_address")),
            postal_code=_text(location.get("postal_code"), 20),
            city=_title(location.get("locality")),
            country=_title(location.get("country")),
            website=_url(record.get("website")),
            linkedin_url=_url(record.get("linkedin_url")),
            employees=employees_of(record.get("employee_count"), record.get("size")),
            revenue_range=_text(record.get("inferred_revenue"), 50),
            industry=_text(record.get("industry"), 200),
            description=_text(record.get("summary"), 300),
            sources=("pdl",),
        )

    async def aclose(self) -> None:
        await self._client.aclose()


class PdlPeople:
    """Person enrichment by e-mail address: the job title and role that make a lead a
    decision maker. Sends the address to PDL: only with a documented legal basis."""

    name = "pdl-person"

    def __init__(self, client: PdlClient) -> None:
        self._client = client

    async def person(self, email: str) -> PersonFacts | None:
        body = await self._client.get("person/enrich", {"email": email})
        data = body.get("data") if body else None
        if not isinstance(data, dict):
            return None
        levels = data.get("job_title_levels")
        levels = levels if isinstance(levels, list) else []
        return PersonFacts(
            full_name=_title(data.get("full_name")),
            job_title=_title(data.get("job_title")),
            job_role=_text(data.get("job_title_role"), 50),
            job_levels=tuple(x for x in levels if isinstance(x, str)),
            company_name=_title(data.get("job_company_name")),
            linkedin_url=_url(data.get("linkedin_url")),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
