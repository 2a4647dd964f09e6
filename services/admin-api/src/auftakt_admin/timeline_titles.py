"""What the lead's timelines call a lead magnet and a mail: by their titles, not their keys.

A magnet is named by the title its event carried (a form's or a quiz's), else by the
name of capture's own magnet. A mail is named by its sequence and step as the mailer
lists them ("Checkliste 2025 – Mail 1: Ihre Checkliste"); the read model knows only the
sequence's key and the step's lasting position, so the mailer's list is asked for at
most once a minute, and while the mailer is silent the key is shown."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auftakt_common.commands import MailSequences
from auftakt_common.content import magnet_title as _magnet_title

from .owners import Owners

__all__ = [
    "DOUBLE_OPT_IN",
    "SequenceTitle",
    "SequenceTitles",
    "magnet_title",
    "mail_title",
    "sequence_titles",
]

DOUBLE_OPT_IN = "Bestätigungsmail (Double-Opt-in)"


def magnet_title(magnet_type: str | None, detail: Mapping[str, Any] | None) -> str:
    named = (detail or {}).get("magnet_name")
    return _magnet_title(magnet_type, named if isinstance(named, str) else None)


@dataclass(frozen=True, slots=True)
class SequenceTitle:
    name: str
    steps: Mapping[int, tuple[int, str]]  # a step's position → (its number, its subject)


# a subject's placeholders: the read model does not know what they said for the lead
_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")


def _subject_title(subject: str) -> str:
    """A step's subject as a title: "Update: Nur noch … freie Termine im …"."""
    return _PLACEHOLDER.sub("…", subject)


def sequence_titles(sequences: MailSequences) -> dict[str, SequenceTitle]:
    titles = {}
    for sequence in sequences.sequences:
        ordered = sorted(
            (step for step in sequence.steps if step.position is not None),
            key=lambda step: step.position or 0,
        )
        titles[sequence.key] = SequenceTitle(
            sequence.name,
            {
                step.position: (number, _subject_title(step.subject))
                for number, step in enumerate(ordered, start=1)
                if step.position is not None
            },
        )
    return titles


def mail_title(
    sequence_key: str | None, step: int | None, titles: Mapping[str, SequenceTitle]
) -> str:
    """A sent mail's title: its sequence and step, or the double-opt-in mail (no key)."""
    if sequence_key is None:
        return DOUBLE_OPT_IN
    known = titles.get(sequence_key)
    name = known.name if known else f"Sequenz „{sequence_key}“"
    if step is None:
        return name
    if known and step in known.steps:
        number, subject = known.steps[step]
        return f"{name} – Mail {number}: {subject}"
    return f"{name} – Schritt {step}"


class SequenceTitles:
    """The mailer's sequence titles, asked for at most once per `ttl` seconds (also when
    it did not answer: a silent mailer must not slow every lead page down)."""

    def __init__(self, *, ttl: float, timeout: float) -> None:
        self._ttl = ttl
        self._timeout = timeout
        self._titles: dict[str, SequenceTitle] = {}
        self._asked_at: float | None = None
        self._lock = asyncio.Lock()

    async def get(self, owners: Owners) -> Mapping[str, SequenceTitle]:
        async with self._lock:
            now = time.monotonic()  # a cache's age, not the business clock
            if self._asked_at is None or now - self._asked_at >= self._ttl:
                self._asked_at = now
                reply = await owners.sequences(timeout=self._timeout)
                if reply.ok and reply.data is not None:
                    self._titles = sequence_titles(reply.data)
            return self._titles
