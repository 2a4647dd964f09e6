"""Helpers for scoring tests: a clock the test moves, publishing events as a relay would,
and reading a lead's score and history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from auftakt_common.events import Event
from auftakt_common.messaging import MSG_ID_HEADER
from auftakt_scoring.domain import replay
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.polling import wait_for


@dataclass
class MovableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


async def publish(nc: Client, event: Event, *, msg_id: str | None = None) -> None:
    """Publish as an outbox relay would (`Nats-Msg-Id` = event id unless told otherwise)."""
    headers = {MSG_ID_HEADER: msg_id or str(event.event_id)}
    await nc.jetstream().publish(event.subject, event.model_dump_json().encode(), headers=headers)


@dataclass(frozen=True)
class Scorecard:
    score: int
    stage: str
    history: list[dict[str, Any]]

    @property
    def reasons(self) -> list[str]:
        return [row["reason"] for row in self.history]


async def scorecard(db: AsyncEngine, lead_id: UUID) -> Scorecard | None:
    # one snapshot for the score and its history, while scoring keeps writing
    async with db.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")
        lead = (
            await conn.execute(
                text("SELECT score, stage FROM scoring.lead_scores WHERE lead_id = :id"),
                {"id": lead_id},
            )
        ).first()
        if lead is None:
            return None
        history = [
            dict(row)
            for row in (
                await conn.execute(
                    text("SELECT * FROM scoring.score_history WHERE lead_id = :id ORDER BY id"),
                    {"id": lead_id},
                )
            ).mappings()
        ]
    card = Scorecard(score=lead.score, stage=lead.stage, history=history)
    # explainability: every score is the clamped replay of its history
    assert replay(row["points"] for row in history) == card.score
    return card


async def eventually(
    check: Callable[[], Awaitable[Scorecard | None]],
    until: Callable[[Scorecard], bool],
    *,
    timeout: float = 15.0,
    settle: float = 0.3,
) -> Scorecard:
    """A lead's scorecard once `until` holds, looked at again `settle` later."""
    return await wait_for(check, until, timeout=timeout, settle=settle)
