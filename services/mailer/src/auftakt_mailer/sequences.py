"""Sequences as data: checked before they are saved (trigger, steps, every placeholder),
and cached per process, reloaded within a second of a change by any replica."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Mapping
from typing import Any

from auftakt_common.commands import FieldError, MailSequence, MailStep, MailTrigger
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import repository as repo
from .domain import (
    CALCULATOR,
    CALCULATOR_PLACEHOLDERS,
    DOWNLOAD_URL,
    TRIGGER_FIELDS,
    SequenceDefinition,
    StepDefinition,
    Trigger,
    ordered_steps,
)
from .templates import check_template, placeholders_in

__all__ = ["SequenceBook", "definition_of", "position_errors", "sequence_errors", "to_command"]

_CHECK_INTERVAL_SECONDS = 1.0
_DOWNLOAD_WITHOUT_MAGNET = (
    "{{ " + DOWNLOAD_URL + " }} gibt es nur in Sequenzen mit dem Auslöser "
    "lead.magnet_downloaded und einem magnet_type: der Link führt zu dessen Datei"
)
_CALCULATOR_ELSEWHERE = (
    "die Zahlen des Budget-Rechners ({{ calculator_… }}) gibt es nur in Sequenzen, die die "
    "Anfrage des Budget-Rechners startet (lead.magnet_downloaded, magnet_type "
    f"{CALCULATOR}): nur dort liegt sein Ergebnis vor"
)


def sequence_errors(sequence: MailSequence) -> list[FieldError]:
    """Why this sequence cannot be saved, field by field (none: it can)."""
    errors: list[FieldError] = []
    fields = TRIGGER_FIELDS.get(sequence.trigger.event)
    if fields is None:
        known = ", ".join(sorted(TRIGGER_FIELDS))
        errors.append(FieldError(field="trigger.event", message=f"unbekannt (möglich: {known})"))
    else:
        for name in sequence.trigger.filter:
            if name not in fields:
                allowed = ", ".join(fields) or "keine"
                errors.append(
                    FieldError(
                        field=f"trigger.filter.{name}",
                        message=f"kein Feld von {sequence.trigger.event} (möglich: {allowed})",
                    )
                )
    magnet = Trigger(sequence.trigger.event, dict(sequence.trigger.filter)).magnet
    previous = -1
    for index, step in enumerate(sequence.steps):
        if step.delay_hours < previous:
            errors.append(
                FieldError(
                    field=f"steps.{index}.delay_hours",
                    message="darf nicht kleiner sein als die Wartezeit des Schritts davor",
                )
            )
        previous = step.delay_hours
        if step.transactional and index > 0:
            errors.append(
                FieldError(
                    field=f"steps.{index}.transactional",
                    message="nur der erste Schritt darf ohne Werbe-Einwilligung gesendet werden",
                )
            )
        for name, source, html in (
            ("subject", step.subject, False),
            ("body_html", step.body_html, True),
            ("body_text", step.body_text, False),
        ):
            field = f"steps.{index}.{name}"
            if (problem := check_template(source, html=html)) is not None:
                errors.append(FieldError(field=field, message=problem.message))
            elif magnet is None and DOWNLOAD_URL in placeholders_in(source):
                errors.append(FieldError(field=field, message=_DOWNLOAD_WITHOUT_MAGNET))
            elif magnet != CALCULATOR and placeholders_in(source) & set(CALCULATOR_PLACEHOLDERS):
                errors.append(FieldError(field=field, message=_CALCULATOR_ELSEWHERE))
    return errors


def position_errors(
    sequence: MailSequence, existing: SequenceDefinition | None
) -> list[FieldError]:
    """Steps must name positions the sequence has, each once."""
    known = {step.position for step in existing.steps} if existing else set()
    errors, seen = [], set()
    for index, step in enumerate(sequence.steps):
        if step.position is None:
            continue
        if step.position not in known or step.position in seen:
            errors.append(
                FieldError(
                    field=f"steps.{index}.position",
                    message="unbekannt oder doppelt (neue Schritte ohne Position senden)",
                )
            )
        seen.add(step.position)
    return errors


def definition_of(
    sequence: MailSequence, existing: SequenceDefinition | None
) -> SequenceDefinition:
    """The sequence to store: steps keep their positions, new steps get new ones, steps
    left out stay (removed) for the leads that stand at them."""
    taken = [step.position for step in existing.steps] if existing else []
    next_free = max(taken, default=0) + 1
    steps: list[StepDefinition] = []
    for step in sequence.steps:
        position = step.position
        if position is None:
            position, next_free = next_free, next_free + 1
        steps.append(
            StepDefinition(
                position=position,
                delay_hours=step.delay_hours,
                subject=step.subject,
                body_html=step.body_html,
                body_text=step.body_text,
                transactional=step.transactional,
                active=step.active,
            )
        )
    kept = {step.position for step in steps}
    gone = [
        dataclasses.replace(step, active=False, removed=True)
        for step in (existing.steps if existing else ())
        if step.position not in kept
    ]
    return SequenceDefinition(
        id=existing.id if existing else uuid.uuid4(),
        key=sequence.key,
        name=sequence.name,
        trigger=Trigger(sequence.trigger.event, dict(sequence.trigger.filter)),
        active=sequence.active,
        steps=ordered_steps([*steps, *gone]),
    )


def to_command(definition: SequenceDefinition) -> MailSequence:
    return MailSequence(
        key=definition.key,
        name=definition.name,
        trigger=MailTrigger(event=definition.trigger.event, filter=dict(definition.trigger.filter)),
        active=definition.active,
        version=definition.version,
        steps=[
            MailStep(
                position=step.position,
                delay_hours=step.delay_hours,
                subject=step.subject,
                body_html=step.body_html,
                body_text=step.body_text,
                transactional=step.transactional,
                active=step.active,
            )
            for step in definition.steps
            if not step.removed
        ],
    )


class SequenceBook:
    """The sequences, cached; `current()` reloads them when any replica saved a change."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._by_id: dict[uuid.UUID, SequenceDefinition] = {}
        self._version: tuple[int, int] | None = None
        self._checked_at = 0.0
        self._refreshing = asyncio.Lock()  # one reload, however many handlers ask at once

    async def current(
        self, conn: AsyncConnection | None = None
    ) -> Mapping[uuid.UUID, SequenceDefinition]:
        if time.monotonic() - self._checked_at < _CHECK_INTERVAL_SECONDS:
            return self._by_id
        async with self._refreshing:
            if time.monotonic() - self._checked_at >= _CHECK_INTERVAL_SECONDS:
                if conn is None:
                    async with self._engine.connect() as own:
                        await self._refresh(own)
                else:
                    await self._refresh(conn)
        return self._by_id

    async def _refresh(self, conn: AsyncConnection) -> None:
        version = await repo.sequences_version(conn)
        if version != self._version:
            self._by_id = {sequence.id: sequence for sequence in await repo.list_sequences(conn)}
            self._version = version
        self._checked_at = time.monotonic()

    def invalidate(self) -> None:
        self._checked_at = 0.0

    async def matching(self, subject: str, fields: Mapping[str, Any]) -> list[SequenceDefinition]:
        """The active sequences this event enrols a lead in."""
        sequences = await self.current()
        return [
            sequence
            for sequence in sequences.values()
            if sequence.active and sequence.trigger.matches(subject, fields)
        ]

    def cached(self, sequence_id: uuid.UUID | None) -> SequenceDefinition | None:
        """As last loaded (the dispatcher loads before each round); None for no id."""
        return self._by_id.get(sequence_id) if sequence_id else None

    def by_key(self, key: str) -> SequenceDefinition | None:
        return next((s for s in self._by_id.values() if s.key == key), None)
