"""The interactive lead magnets without I/O: the budget calculator's price range from the
price table, the quiz's outcome from its answers, and what a lead submitted with either
records — computed here again from the inputs, never taken from the browser."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from auftakt_common.content import PriceTable, QuizDefinition, QuizOutcome
from auftakt_common.german import thousands
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .problems import FORM_RULE, FieldError
from .wording import Words

__all__ = [
    "CALCULATOR",
    "QUIZ",
    "CalculatorInputs",
    "Quote",
    "QuizAnswers",
    "calculator_results",
    "quiz_outcome",
    "quiz_results",
    "quote",
]

CALCULATOR = "budget_calculator"  # the lead magnet types scoring's mappings know
QUIZ = "quiz"


class CalculatorInputs(BaseModel):
    """What the calculator asks: the event, its guests, how long, which band."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_type: str = Field(min_length=1, max_length=50)
    guests: int = Field(ge=1)
    hours: int = Field(ge=1)
    band_format: str = Field(min_length=1, max_length=50)


class QuizAnswers(BaseModel):
    """A quiz's answers: question key → answer key (an outcome the browser adds is not
    read: capture works it out)."""

    model_config = ConfigDict(extra="ignore")

    quiz_id: str = Field(min_length=1, max_length=50)
    answers: dict[str, str] = Field(max_length=20)


@dataclass(frozen=True, slots=True)
class Quote:
    low: int
    high: int
    band_label: str
    event_label: str
    extras: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "min": self.low,
            "max": self.high,
            "currency": "EUR",
            "band": self.band_label,
            "event": self.event_label,
            "extras": list(self.extras),
        }

    def lines(self, inputs: CalculatorInputs) -> list[str]:
        """The items the price table gave, as the page shows them under the range (and
        the calculator's mail repeats them)."""
        hours = f"{inputs.hours} {'Stunde' if inputs.hours == 1 else 'Stunden'}"
        guests = thousands(inputs.guests)
        return [f"{self.band_label}, {hours}, {self.event_label}, {guests} Gäste", *self.extras]


def _round(amount: float, step: int) -> int:
    return int(math.floor(amount / step + 0.5) * step)


def quote(table: PriceTable, inputs: CalculatorInputs, words: Words) -> Quote | list[FieldError]:
    """The price range for these inputs, or what is wrong with them (in German)."""
    bands = {band.key: band for band in table.bands}
    events = {event.key: event for event in table.event_types}
    errors = []
    if inputs.band_format not in bands:
        errors.append(FieldError("band_format", words["pick_band"], FORM_RULE))
    if inputs.event_type not in events:
        errors.append(FieldError("event_type", words["pick_event"], FORM_RULE))
    if inputs.hours > table.max_hours:
        message = f"Die Spieldauer kann höchstens {table.max_hours} Stunden betragen."
        errors.append(FieldError("hours", message, FORM_RULE))
    if inputs.guests > table.max_guests:
        message = words["too_many_guests"].format(max=table.max_guests)
        errors.append(FieldError("guests", message, FORM_RULE))
    if errors:
        return errors
    band, event = bands[inputs.band_format], events[inputs.event_type]
    extra_hours = max(0, inputs.hours - band.included_hours)
    low = (band.base_min + extra_hours * band.extra_hour_min) * event.factor
    high = (band.base_max + extra_hours * band.extra_hour_max) * event.factor
    tiers = [tier for tier in table.guest_tiers if inputs.guests >= tier.from_guests]
    extras: list[str] = []
    if tiers:
        tier = max(tiers, key=lambda t: t.from_guests)
        low, high = low + tier.add_min, high + tier.add_max
        extras.append(tier.label)
    return Quote(
        low=_round(low, table.rounding),
        high=_round(high, table.rounding),
        band_label=band.label,
        event_label=event.label,
        extras=tuple(extras),
    )


def quiz_outcome(
    quiz: QuizDefinition, answers: dict[str, str], words: Words
) -> QuizOutcome | FieldError:
    """The outcome with the most points (the first listed on a tie), or which question
    is unanswered or answered with something it does not offer."""
    points = {outcome.key: 0 for outcome in quiz.outcomes}
    for question in quiz.questions:
        given = answers.get(question.key)
        answer = next((a for a in question.answers if a.key == given), None)
        if answer is None:
            message = words["answer_question"].format(question=question.text)
            return FieldError(f"answers.{question.key}", message, FORM_RULE)
        for outcome, value in answer.points.items():
            points[outcome] += value
    best = max(points.values())
    return next(outcome for outcome in quiz.outcomes if points[outcome.key] == best)


def calculator_results(
    table: PriceTable, results: dict[str, Any] | None, words: Words
) -> dict[str, Any] | list[FieldError]:
    """A calculator lead's magnet results: its inputs and the result computed from them as
    the page showed it (range, items, the table's note), plus the lead fields the person
    entered (event type, guests). The range is the calculator's estimate, not a budget the
    person gave: it stays with the magnet."""
    try:
        inputs = CalculatorInputs.model_validate((results or {}).get("inputs"))
    except ValidationError:
        return [FieldError("quiz_results", words["calculate_first"], FORM_RULE)]
    computed = quote(table, inputs, words)
    if isinstance(computed, list):
        return computed
    result = {**computed.as_json(), "details": computed.lines(inputs), "note": table.note}
    return {
        "quiz_results": {"inputs": inputs.model_dump(), "quote": result},
        "event_type": inputs.event_type,
        "guest_count": inputs.guests,
    }


def quiz_results(
    quizzes: dict[str, QuizDefinition], results: dict[str, Any] | None, words: Words
) -> dict[str, Any] | list[FieldError]:
    """A quiz lead's magnet results: the answers and the outcome computed from them, plus
    the event type the outcome suggests."""
    try:
        given = QuizAnswers.model_validate(results or {})
    except ValidationError:
        return [FieldError("quiz_results", words["answer_all"], FORM_RULE)]
    quiz = quizzes.get(given.quiz_id)
    if quiz is None or not quiz.active:
        return [FieldError("quiz_results.quiz_id", "Dieses Quiz gibt es nicht.", FORM_RULE)]
    outcome = quiz_outcome(quiz, given.answers, words)
    if isinstance(outcome, FieldError):
        return [outcome]
    return {
        "quiz_results": {
            "quiz_id": quiz.quiz_id,
            "answers": given.answers,
            "outcome": outcome.key,
            "outcome_title": outcome.title,
        },
        "event_type": outcome.event_type,
        "magnet_name": quiz.title,
    }
