"""Why a company's enrichment failed, as a reason the dashboard says in German: read from
the errors the fetcher and the providers raise, never shown as they are."""

from __future__ import annotations

import pytest
from auftakt_enrichment.failures import failure_of


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("example-gmbh.de does not resolve", "no_such_domain"),
        ("firma.de timed out", "unreachable"),
        ("firma.de: connection failed (ConnectError)", "unreachable"),
        ("firma.de answered HTTP 500", "no_website"),
        ("firma.de sent application/pdf, not HTML", "no_website"),
        ("firma.de: page larger than 2097152 bytes", "no_website"),
        ("intranet.firma.de resolves to 10.0.0.7, a private address", "refused"),
        ("PDL answered HTTP 500", "provider"),
        ("no provider answered", "provider"),
        # the website's reason says more about the company than the provider's
        ("PDL timed out; firma.de does not resolve", "no_such_domain"),
        (None, None),
    ],
)
def test_an_enrichment_error_is_read_as_the_reason_sales_are_told(
    error: str | None, reason: str | None
) -> None:
    assert failure_of(error) == reason
