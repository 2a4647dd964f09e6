"""All SQL of analyses: the facts an analysis is given (read from enrichment's own
tables), the analysis jobs and their results. Never commits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

from auftakt_common.events import LeadAnalysis
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .analysis import AnalysisInput, CompanyFit, EventFacts, ScoreStep, days_between
from .models import AnalysisRow, PersonProfileRow

__all__ = [
    "REUSE_WITHIN",
    "add_job",
    "analysis_input",
    "delete_for_lead",
    "finish_job",
    "reusable_result",
    "wait_for_lead",
]

_analyses = cast(Table, AnalysisRow.__table__)
_TOP_PAGES = 15
# Claude's analysis of unchanged facts is shown again instead of asking anew
REUSE_WITHIN = timedelta(hours=24)


async def analysis_input(conn: AsyncConnection, lead_id: UUID, today: date) -> AnalysisInput | None:
    """What an analysis of the lead is given, or None if enrichment does not know it."""
    lead = await repo.lead_facts(conn, lead_id)
    if lead is None:
        return None
    counts = await repo.activity_counts(conn, lead_id)
    changes = await repo.recent_score_changes(conn, lead_id)
    company = None
    if lead["company_id"] is not None:
        row = await repo.company_row(conn, lead["company_id"])
        assert row is not None  # the link is a foreign key
        company = CompanyFit(
            legal_form=row["legal_form"],
            industry=row["industry"],
            employees=row["employees"],
            revenue_range=row["revenue_range"],
            city=row["city"],
            country=row["country"],
            target_account=row["target_account"],
            tier=row["tier"],
            contacts=row["contacts"],
            engaged_contacts=row["engaged_contacts"],
            highest_score=row["highest_score"],
        )
    person = (
        await conn.execute(
            select(PersonProfileRow.role, PersonProfileRow.decision_maker).where(
                PersonProfileRow.lead_id == lead_id, PersonProfileRow.status == "enriched"
            )
        )
    ).first()
    event_date = lead["event_date"]
    return AnalysisInput(
        today=today,
        score=lead["score"],
        stage=lead["stage"],
        source=lead["source"],
        medium=lead["medium"],
        days_since_first_contact=days_between(lead["created_at"], today),
        days_since_last_activity=days_between(lead["last_activity_at"], today),
        event=EventFacts(
            type=lead["event_type"],
            date=event_date,
            days_until=(event_date - today).days if event_date else None,
            guest_count=lead["guest_count"],
            budget_min=lead["budget_min"],
            budget_max=lead["budget_max"],
        ),
        score_history=[
            ScoreStep(at=at.date(), activity=activity, delta=delta, reason=reason)
            for at, activity, delta, reason in changes
        ],
        activities={key: count for kind, key, count, _ in counts if kind == "activity"},
        pages=dict([(key, count) for kind, key, count, _ in counts if kind == "page"][:_TOP_PAGES]),
        lead_magnets=[key for kind, key, _, _ in counts if kind == "magnet"],
        company=company,
        role=person.role if person else None,
        decision_maker=person.decision_maker if person else None,
    )


async def add_job(
    conn: AsyncConnection,
    lead_id: UUID,
    *,
    trigger: str,
    now: datetime,
    trigger_event_id: UUID | None = None,
    lease_until: datetime | None = None,
) -> UUID | None:
    """A new analysis job, due now (leased to the caller when `lease_until` is given);
    None if the triggering event made one already."""
    job_id = uuid4()
    added = await conn.execute(
        insert(_analyses)
        .values(
            id=job_id,
            lead_id=lead_id,
            trigger=trigger,
            trigger_event_id=trigger_event_id,
            status="pending",
            due_at=now,
            lease_until=lease_until,
            requested_at=now,
        )
        .on_conflict_do_nothing(index_elements=["trigger_event_id"])
        .returning(_analyses.c.id)
    )
    return job_id if added.first() is not None else None


async def reusable_result(
    conn: AsyncConnection, lead_id: UUID, input_hash: str, model: str, since: datetime
) -> LeadAnalysis | None:
    """Claude's analysis of exactly these facts by this model, if one is recent."""
    result = await conn.scalar(
        select(AnalysisRow.result)
        .where(
            AnalysisRow.lead_id == lead_id,
            AnalysisRow.status == "done",
            AnalysisRow.method == "claude",
            AnalysisRow.model == model,
            AnalysisRow.input_hash == input_hash,
            AnalysisRow.analyzed_at >= since,
        )
        .order_by(AnalysisRow.analyzed_at.desc())
        .limit(1)
    )
    return None if result is None else LeadAnalysis.model_validate(result)


async def finish_job(
    conn: AsyncConnection, job_id: UUID, values: dict[str, Any], now: datetime
) -> bool:
    """Store the job's result; False if the job is gone (its lead was erased)."""
    done = await conn.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == job_id, AnalysisRow.status == "pending")
        .values(
            **values,
            status="done",
            attempts=AnalysisRow.attempts + 1,
            due_at=None,
            lease_until=None,
            analyzed_at=now,
        )
        .returning(AnalysisRow.id)
    )
    return done.first() is not None


_UNKNOWN_LEAD_TRIES = 10


async def wait_for_lead(conn: AsyncConnection, job_id: UUID, until: datetime) -> bool:
    """A job whose lead enrichment does not know yet is due again at `until`, ten times;
    then it is dropped (False): the lead never came, or was erased."""
    retried = await conn.execute(
        update(AnalysisRow)
        .where(AnalysisRow.id == job_id, AnalysisRow.attempts < _UNKNOWN_LEAD_TRIES - 1)
        .values(attempts=AnalysisRow.attempts + 1, due_at=until, lease_until=None)
        .returning(AnalysisRow.id)
    )
    if retried.first() is not None:
        return True
    await conn.execute(delete(AnalysisRow).where(AnalysisRow.id == job_id))
    return False


async def delete_for_lead(conn: AsyncConnection, lead_id: UUID) -> None:
    await conn.execute(delete(AnalysisRow).where(AnalysisRow.lead_id == lead_id))
