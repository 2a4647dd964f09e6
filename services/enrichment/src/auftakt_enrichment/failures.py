"""Why a company's enrichment failed, as a reason the dashboard can say in German: read
from the errors the fetcher and the providers raise (`fetch.py`, `pdl.py`, `enricher.py`),
whose words are ours and name the host, never a page's text. The raw error stays in
enrichment (its log and `last_error`)."""

from __future__ import annotations

from auftakt_common.commands import EnrichmentFailure

__all__ = ["failure_of"]

# what the website provider's error says → the reason; the first that matches wins, and
# an error that matches none is a target the fetcher refused (a private address, a port)
_WEBSITE_SIGNS: tuple[tuple[str, EnrichmentFailure], ...] = (
    ("does not resolve", "no_such_domain"),
    ("timed out", "unreachable"),
    ("connection failed", "unreachable"),
    ("answered HTTP", "no_website"),
    ("not HTML", "no_website"),
    ("larger than", "no_website"),
    ("more than", "no_website"),  # too many redirects
)
_PROVIDER_SIGNS = ("PDL", "no provider answered")


def _reason(error: str) -> EnrichmentFailure:
    if error.startswith(_PROVIDER_SIGNS):
        return "provider"
    return next((reason for sign, reason in _WEBSITE_SIGNS if sign in error), "refused")


def failure_of(error: str | None) -> EnrichmentFailure | None:
    """The reason in `error` (each provider's error, joined by "; "): the website's when
    there is one (it says more about the company than a data provider's), else the
    provider's; None for no error."""
    if not error:
        return None
    reasons = [_reason(part) for part in error.split("; ")]
    return next((reason for reason in reasons if reason != "provider"), "provider")
