"""Company events into the read model: what enrichment knows of a company
(company.enriched) and the roll-up of its leads (company.engagement_changed). One upsert
per batch; each part is replaced only by a newer event of its kind, so they may arrive in
any order and twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from auftakt_common.db import bulk_insert
from auftakt_common.events import CompanyEngagementChanged, CompanyEnriched
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import CompanyRow

__all__ = ["CompanyBatch"]

_companies = cast(Table, CompanyRow.__table__)

_PROFILE = (
    "domain",
    "name",
    "legal_form",
    "city",
    "country",
    "employee_count",
    "revenue_range",
    "industry",
    "register_number",
    "linkedin_url",
    "target_account",
    "tier",
    "provider",
)
_ENGAGEMENT = ("contacts", "engaged_contacts", "highest_score", "score_sum", "last_activity_at")


def _newer(stamp: str) -> str:
    return (
        f"EXCLUDED.{stamp} IS NOT NULL AND "
        f"(companies.{stamp} IS NULL OR companies.{stamp} <= EXCLUDED.{stamp})"
    )


def _replaced(columns: tuple[str, ...], stamp: str) -> list[str]:
    return [
        f"{name} = CASE WHEN {_newer(stamp)} THEN EXCLUDED.{name} ELSE companies.{name} END"
        for name in columns
    ] + [f"{stamp} = GREATEST(companies.{stamp}, EXCLUDED.{stamp})"]


# a row carries a profile, a roll-up or both (a missing part has no time: kept as it is)
_UPSERT = "ON CONFLICT (company_id) DO UPDATE SET " + ", ".join(
    _replaced(_PROFILE, "profile_at") + _replaced(_ENGAGEMENT, "engagement_at")
)


@dataclass
class CompanyBatch:
    """Each company's newest profile and newest roll-up of the batch."""

    profiles: dict[UUID, CompanyEnriched] = field(default_factory=dict)
    engagements: dict[UUID, CompanyEngagementChanged] = field(default_factory=dict)

    def add(self, event: CompanyEnriched | CompanyEngagementChanged) -> None:
        newest: dict[UUID, Any] = (
            self.profiles if isinstance(event, CompanyEnriched) else self.engagements
        )
        known = newest.get(event.company_id)
        if known is None or known.occurred_at <= event.occurred_at:
            newest[event.company_id] = event

    async def write(self, conn: AsyncConnection) -> None:
        # one row per company (an upsert may touch a row once), in key order (locks)
        rows = [
            _row(company_id, self.profiles.get(company_id), self.engagements.get(company_id))
            for company_id in sorted(self.profiles.keys() | self.engagements.keys())
        ]
        await bulk_insert(conn, _companies, rows, _UPSERT)


def _row(
    company_id: UUID,
    profile: CompanyEnriched | None,
    engagement: CompanyEngagementChanged | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {"company_id": company_id}
    if profile is not None:
        row |= {name: getattr(profile, name) for name in _PROFILE}
        row["profile_at"] = profile.occurred_at
    else:
        assert engagement is not None
        row |= {name: None for name in _PROFILE} | {
            "domain": engagement.domain,
            "target_account": False,
            "profile_at": None,
        }
    if engagement is not None:
        row |= {name: getattr(engagement, name) for name in _ENGAGEMENT}
        row["engagement_at"] = engagement.occurred_at
    else:
        row |= {name: 0 for name in _ENGAGEMENT} | {
            "last_activity_at": None,
            "engagement_at": None,
        }
    return row
