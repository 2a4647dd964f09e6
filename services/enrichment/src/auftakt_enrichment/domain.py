"""Pure rules of enrichment: when to try a failing provider again, what providers' facts
mean for the company row, which job titles make a decision maker, and the events that
say so. No I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from auftakt_common.commands import CompanyProfile
from auftakt_common.events import AccountTier, CompanyEnriched, LeadEnriched

from .failures import failure_of
from .impressum import CompanyFacts
from .providers import PersonFacts, ProviderFailed

__all__ = [
    "Company",
    "Person",
    "company_enriched",
    "company_profile",
    "company_values",
    "decision_maker_role",
    "lead_enriched",
    "retry_at",
    "throttled_until",
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
    country: str | None
    employees: int | None
    revenue_range: str | None
    industry: str | None
    register_number: str | None
    linkedin_url: str | None
    target_account: bool
    tier: str | None
    provider: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Person:
    """What the events and the analysis may say of the person behind a lead: a role
    category and the decision-maker flag, never the title or name themselves."""

    role: str | None
    decision_maker: bool | None
    provider: str | None = None


def retry_at(
    attempts_before: int, now: datetime, *, base_seconds: float, max_attempts: int
) -> datetime | None:
    """When to try again after a failed attempt (exponential back-off), or None: give up."""
    if attempts_before + 1 >= max_attempts:
        return None
    return now + min(timedelta(seconds=base_seconds * 2**attempts_before), _MAX_RETRY_DELAY)


def throttled_until(failures: Sequence[ProviderFailed], now: datetime) -> datetime | None:
    """When a provider that asked us to slow down (429 with Retry-After) may be asked
    again, or None if none did. A rate limit is no failed attempt: the company waits for
    that provider, whatever the others said."""
    waits = [f.retry_after for f in failures if f.retry_after is not None]
    if not waits:
        return None
    return now + min(timedelta(seconds=max(waits)), _MAX_RETRY_DELAY)


def company_values(facts: CompanyFacts) -> dict[str, Any]:
    """The company row's columns from the providers' facts (unknown stays unknown)."""
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
        "revenue_range": facts.revenue_range,
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
        country=company.country,
        employee_count=company.employees,
        revenue_range=company.revenue_range,
        industry=company.industry,
        register_number=company.register_number,
        linkedin_url=company.linkedin_url,
        target_account=company.target_account,
        tier=cast(AccountTier | None, company.tier),
        provider=company.provider,
    )


def lead_enriched(lead_id: UUID, company: Company | None, person: Person | None) -> LeadEnriched:
    """The lead's firmographic facts as now known: its company's, and the person's
    decision-maker flag when person enrichment ran."""
    providers = [company.provider if company else None, person.provider if person else None]
    return LeadEnriched(
        lead_id=lead_id,
        company_id=company.id if company else None,
        company_domain=company.domain if company else None,
        employee_count=company.employees if company else None,
        decision_maker=person.decision_maker if person else None,
        provider=",".join(p for p in providers if p) or None,
    )


def company_profile(row: dict[str, Any]) -> CompanyProfile:
    """A company's row as the profile staff see."""
    facts = row.get("facts") or {}
    return CompanyProfile(
        company_id=row["id"],
        domain=row["domain"],
        status=row["status"],
        name=row["name"],
        legal_form=row["legal_form"],
        street=row["street"],
        postal_code=row["postal_code"],
        city=row["city"],
        country=row["country"],
        register_court=row["register_court"],
        register_number=row["register_number"],
        managing_directors=list(row["managing_directors"] or []),
        vat_id=facts.get("vat_id"),
        linkedin_url=row["linkedin_url"],
        employee_count=row["employees"],
        revenue_range=row["revenue_range"],
        industry=row["industry"],
        description=row["description"],
        provider=row["provider"],
        sources=list(facts.get("sources") or []),
        target_account=row["target_account"],
        tier=row["tier"],
        contacts=row["contacts"],
        engaged_contacts=row["engaged_contacts"],
        highest_score=row["highest_score"],
        score_sum=row["score_sum"],
        last_activity_at=row["last_activity_at"],
        enriched_at=row["enriched_at"],
        last_error=row["last_error"],
        failure=failure_of(row["last_error"]),
    )


# Role keywords (German and English job titles) → the role that books a company's event
# band: the management, HR (Personal: Weihnachtsfeier, Jubiläum), marketing, events.
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "geschaeftsfuehrung",
        re.compile(
            r"gesch(?:ä|ae)ftsf(?:ü|ue)hr|(?<![a-z])(?:ceo|coo|cfo|cmo|chro|cxo|md)(?![a-z])"
            r"|chief|inhaber|owner|founder|gr(?:ü|ue)nder|vorstand|managing director"
            r"|president|prokurist|(?<![a-z])leiter(?:in)? (?:des|der) unternehmen",
            re.I,
        ),
    ),
    (
        "hr",
        re.compile(
            r"(?<![a-z])hr(?![a-z])|human resources|(?<![a-zäöü])personal"
            r"|people (?:&|and) culture|people operations|talent|recruit",
            re.I,
        ),
    ),
    ("marketing", re.compile(r"marketing|kommunikation|communications|brand|pr-", re.I)),
    ("event", re.compile(r"event|veranstaltung|office manag|assistenz der gesch", re.I)),
)
_DECIDING_LEVELS = frozenset({"cxo", "owner", "vp", "director", "partner"})
_DECIDING_PDL_ROLES = {"human_resources": "hr", "marketing": "marketing"}


def decision_maker_role(person: PersonFacts, provider: str | None = None) -> Person:
    """The role category a job title names, and whether that makes a decision maker for
    booking a band: management, HR, marketing and event roles do, as does any title the
    provider ranks director level or above."""
    title = person.job_title or ""
    role = next((name for name, pattern in _ROLES if pattern.search(title)), None)
    if role is None and person.job_role in _DECIDING_PDL_ROLES:
        role = _DECIDING_PDL_ROLES[person.job_role]
    if role is None and _DECIDING_LEVELS.intersection(person.job_levels):
        role = "geschaeftsfuehrung" if {"cxo", "owner"} & set(person.job_levels) else "leitung"
    if not title and not person.job_role and not person.job_levels:
        return Person(role=None, decision_maker=None, provider=provider)
    return Person(role=role, decision_maker=role is not None, provider=provider)
