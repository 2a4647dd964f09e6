"""The occasions the agency plays at, as German readers name them: one title and one
grammatical gender per event-type key (the keys forms, the calculator and the quiz
send, like `firmenjubilaeum`), so pages, mails and analyses all say "das
Firmenjubiläum", never "die Firmenjubilaeum"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EVENT_TYPES", "Case", "EventType", "event_type", "event_type_title"]

Case = Literal["nominative", "accusative", "dative"]
_Gender = Literal["m", "f", "n"]
_ARTICLES: dict[Case, dict[_Gender, str]] = {
    "nominative": {"m": "der", "f": "die", "n": "das"},
    "accusative": {"m": "den", "f": "die", "n": "das"},
    "dative": {"m": "dem", "f": "der", "n": "dem"},
}


@dataclass(frozen=True, slots=True)
class EventType:
    key: str
    title: str  # "Firmenjubiläum"
    gender: _Gender
    noun: str | None = None  # what takes the article when not the title itself

    def with_article(self, case: Case = "nominative") -> str:
        """With its definite article: "das Firmenjubiläum", "der Weihnachtsfeier" (dative)."""
        return f"{_ARTICLES[case][self.gender]} {self.noun or self.title}"


EVENT_TYPES: dict[str, EventType] = {
    event.key: event
    for event in (
        EventType("weihnachtsfeier", "Weihnachtsfeier", "f"),
        EventType("sommerfest", "Sommerfest", "n"),
        EventType("firmenjubilaeum", "Firmenjubiläum", "n"),
        EventType("jubilaeum", "Jubiläum", "n"),
        EventType("firmenfeier", "Firmenfeier", "f"),
        EventType("gala", "Gala", "f"),
        EventType("konferenz", "Konferenz", "f"),
        EventType("messe", "Messe", "f"),
        EventType("hochzeit", "Hochzeit", "f"),
        EventType("incentive", "Incentive-Event", "n"),
    )
}


def event_type(key: str | None) -> EventType:
    """The event type of a key; a key not listed here (a form's own option) keeps its
    words and is called "das Event „…“" (no article is guessed); none is "das Event"."""
    if not key:
        return EventType("", "Event", "n")
    known = EVENT_TYPES.get(key)
    if known is not None:
        return known
    words = key.replace("_", " ").replace("-", " ").strip()
    title = words[:1].upper() + words[1:]
    return EventType(key, title, "n", noun=f"Event „{title}“")


def event_type_title(key: str | None) -> str | None:
    """The title ("Firmenjubiläum" for `firmenjubilaeum`); None for no key."""
    return event_type(key).title if key else None
