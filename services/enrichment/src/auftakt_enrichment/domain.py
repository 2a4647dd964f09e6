"""Pure rules of enrichment: when to try a failing provider again, what a provider's
facts mean for the company row, and the events that say so. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from auftakt_common.events import CompanyEnriched, LeadEnriched

from .impressum import CompanyFacts

__all__ = [
    "Company",
    "company_enriched",
    "company_values",
    "first_of_next_month",
    "lead_enriched",
    "retry_at",
]

_MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Company:
    """What the events say of a company."""

    id: UUID
    domain: str
    name: str | None
    legal_form: str | None
    city: str | None
    employees: int | None
    industry: str | None
    register_number: str | None
    linkedin_url: str | None
    target_account: bool
    tier: str | None
    provider: str | None
    status: str


def retry_at(
    attempts_before: int, now: datetime, *, base_seconds: float, max_attempts: int
) -> datetime | None:
    """When to try again after a failed attempt (exponential back-off), or None: give up."""
    if attempts_before + 1 >= max_attempts:
        return None
    delay = timedelta(seconds=base_seconds * 2**attempts_before)
    return now + min(delay, _MAX_RETRY_DELAY)


def first_of_next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def company_values(facts: CompanyFacts) -> dict[str, Any]:
    """The company row's columns from a provider's facts (unknown stays unknown)."""
    return {
        "name": facts.name,
        "legal_form": facts.legal_form,
        "street": facts.street,
        "postal_code": facts.postal_code,
        "city": facts.city,
        "country": facts.country,
        "register_court": facts.register_court,
        "register_number": facts.register_number,
        "managing_directors": list(facts.managing_directors),
        "linkedin_url": facts.linkedin_url,
        "employees": facts.employees,
        "industry": facts.industry,
        "description": facts.description,
        "facts": {"sources": list(facts.sources), "vat_id": facts.vat_id, "website": facts.website},
    }


def company_enriched(company: Company) -> CompanyEnriched:
    return CompanyEnriched(
        company_id=company.id,
        domain=company.domain,
        name=company.name,
        legal_form=company.legal_form,
        city=company.city,
        employee_count=company.employees,
        industry=company.industry,
        register_number=company.register_number,
        linkedin_url=company.linkedin_url,
        target_account=company.target_account,
        tier=company.tier,
        provider=company.provider,
    )


def lead_enriched(lead_id: UUID, company: Company) -> LeadEnriched:
    """What scoring needs of the lead's company (decision maker: person enrichment, later)."""
    return LeadEnriched(
        lead_id=lead_id,
        company_id=company.id,
        company_domain=company.domain,
        employee_count=company.employees,
        provider=company.provider,
    )
