"""The website content capture keeps as data, edited by sales through admin-api over NATS
request/reply (validated by capture, answered with field errors like every command):
embeddable forms, the budget calculator's price table, quizzes. One definition each."""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .storable import refuse_nul

__all__ = [
    "BUILT_IN_MAGNETS",
    "BandPrice",
    "CAPTURE_FORMS_LIST",
    "CAPTURE_FORM_PUT",
    "CAPTURE_PRICES_GET",
    "CAPTURE_PRICES_PUT",
    "CAPTURE_QUIZZES_LIST",
    "CAPTURE_QUIZ_PUT",
    "COMPANY_SIZES",
    "ChoiceOption",
    "magnet_title",
    "CompanySize",
    "EventTypePrice",
    "FORM_FIELD_NAMES",
    "FormConsent",
    "FormDefinition",
    "FormDefinitions",
    "FormField",
    "FormFieldName",
    "GuestTier",
    "PriceTable",
    "QuizAnswer",
    "QuizDefinition",
    "QuizDefinitions",
    "QuizOutcome",
    "QuizQuestion",
]

CAPTURE_FORMS_LIST = "capture.forms.list"
CAPTURE_FORM_PUT = "capture.forms.put"
CAPTURE_PRICES_GET = "capture.prices.get"
CAPTURE_PRICES_PUT = "capture.prices.put"
CAPTURE_QUIZZES_LIST = "capture.quizzes.list"
CAPTURE_QUIZ_PUT = "capture.quizzes.put"

_KEY = r"^[a-z][a-z0-9_-]{0,49}$"

# capture's own lead magnets by their titles; a form's magnet and a quiz carry their own
# title (`magnet_name`)
BUILT_IN_MAGNETS = {"budget_calculator": "Budget-Rechner", "quiz": "Quiz"}


def magnet_title(magnet_type: str | None, magnet_name: str | None) -> str:
    """What people call a lead magnet: its own title, else the built-in one's, else
    its key (a site's own magnet that sent no title)."""
    if magnet_name and magnet_name.strip():
        return magnet_name.strip()
    return BUILT_IN_MAGNETS.get(magnet_type or "", magnet_type or "Lead-Magnet")


# a lead's event type, as capture stores it
_EVENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,49}$")

CompanySize = Literal["1-10", "11-50", "51-200", "201-500", "500+"]
COMPANY_SIZES: tuple[str, ...] = get_args(CompanySize)

FormFieldName = Literal[
    "email",
    "first_name",
    "last_name",
    "phone",
    "company_name",
    "company_size",
    "company_industry",
    "company_domain",
    "event_type",
    "event_date",
    "guest_count",
    "budget_min",
    "budget_max",
    "location",
]
FORM_FIELD_NAMES: tuple[FormFieldName, ...] = FormFieldName.__args__  # type: ignore[attr-defined]


class _Content(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    _texts_storable = field_validator("*", mode="before")(refuse_nul)


class ChoiceOption(_Content):
    value: str = Field(min_length=1, max_length=100)
    label: str = Field(min_length=1, max_length=200)


class FormField(_Content):
    """One input of a form: which lead field it fills (its kind of input and its rules
    follow from that), its German label, whether it must be filled, and for choices the
    options offered (event types; company sizes come from the lead's own list)."""

    name: FormFieldName
    label: str = Field(min_length=1, max_length=200)
    required: bool = False
    placeholder: str | None = Field(default=None, max_length=200)
    help: str | None = Field(default=None, max_length=300)
    options: list[ChoiceOption] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _options_a_lead_can_hold(self) -> FormField:
        values = [option.value for option in self.options]
        if self.name == "event_type":
            if not values:
                raise ValueError("an event type is chosen from options (value = Bezeichnung)")
            wrong = [value for value in values if not _EVENT_TYPE.match(value)]
            if wrong:
                raise ValueError(
                    "event type values are lower-case letters, digits and - _ . : only: "
                    + ", ".join(wrong)
                )
        elif self.name == "company_size":
            wrong = [value for value in values if value not in COMPANY_SIZES]
            if wrong:
                raise ValueError(
                    f"company sizes are {', '.join(COMPANY_SIZES)}, not {', '.join(wrong)}"
                )
        elif values:
            raise ValueError(f"only event_type and company_size offer options, not {self.name}")
        return self


class FormConsent(_Content):
    """The marketing-consent checkbox: its text as shown (and stored in the consent
    ledger) and the text's version. Never pre-ticked."""

    text: str = Field(min_length=10, max_length=2000)
    version: str = Field(min_length=1, max_length=50)


class FormDefinition(_Content):
    """An embeddable lead form. `lead_magnet`: what the form gives (the checklist …), sent
    by the mailer's transactional first step; `thank_you_url`: where a plain HTML form
    goes after submitting (else capture's thank-you page); the JavaScript form shows
    `success_message` in place."""

    form_id: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    intro: str | None = Field(default=None, max_length=1000)
    fields: list[FormField] = Field(min_length=1, max_length=20)
    submit_label: str = Field(default="Absenden", min_length=1, max_length=100)
    consent: FormConsent | None = None
    lead_magnet: str | None = Field(default=None, pattern=_KEY)
    magnet_name: str | None = Field(default=None, max_length=255)
    thank_you_url: str | None = Field(default=None, max_length=2000)
    success_message: str = Field(
        default="Vielen Dank! Wir melden uns in Kürze bei Ihnen.", min_length=1, max_length=1000
    )
    active: bool = True
    version: int | None = None  # in replies: bumped on every save

    @model_validator(mode="after")
    def _asks_for_an_address(self) -> FormDefinition:
        names = [field.name for field in self.fields]
        if "email" not in names:
            raise ValueError("a form must ask for the e-mail address (field `email`)")
        if len(set(names)) != len(names):
            raise ValueError("each field may appear once")
        return self


class FormDefinitions(_Content):
    forms: list[FormDefinition]


class BandPrice(_Content):
    """What a band format costs for its included hours, and each hour more (EUR)."""

    key: str = Field(pattern=_KEY)
    label: str = Field(min_length=1, max_length=100)
    base_min: int = Field(ge=0, le=1_000_000)
    base_max: int = Field(ge=0, le=1_000_000)
    included_hours: int = Field(ge=1, le=24)
    extra_hour_min: int = Field(ge=0, le=100_000)
    extra_hour_max: int = Field(ge=0, le=100_000)

    @model_validator(mode="after")
    def _ranges(self) -> BandPrice:
        if self.base_min > self.base_max or self.extra_hour_min > self.extra_hour_max:
            raise ValueError("a minimum must not exceed its maximum")
        return self


class EventTypePrice(_Content):
    """An event type the calculator offers, and how it scales the price (December's
    Weihnachtsfeier costs more than a Tuesday's Sommerfest)."""

    key: str = Field(pattern=_KEY)
    label: str = Field(min_length=1, max_length=100)
    factor: float = Field(default=1.0, ge=0.5, le=3.0)


class GuestTier(_Content):
    """From this many guests, add this (sound and light for a bigger room)."""

    from_guests: int = Field(ge=1, le=100_000)
    add_min: int = Field(ge=0, le=1_000_000)
    add_max: int = Field(ge=0, le=1_000_000)
    label: str = Field(min_length=1, max_length=200)


class PriceTable(_Content):
    """The budget calculator's prices: a band format's base for its included hours, extra
    hours, the event type's factor, the guest tier's addition; the range is rounded to
    `rounding` euros."""

    bands: list[BandPrice] = Field(min_length=1, max_length=30)
    event_types: list[EventTypePrice] = Field(min_length=1, max_length=30)
    guest_tiers: list[GuestTier] = Field(default_factory=list, max_length=20)
    max_hours: int = Field(default=8, ge=1, le=24)
    max_guests: int = Field(default=5000, ge=1, le=100_000)
    rounding: int = Field(default=100, ge=1, le=10_000)
    note: str = Field(
        default="Unverbindliche Schätzung inkl. Anfahrt im Umkreis von 100 km, zzgl. MwSt.",
        max_length=500,
    )
    # the checkbox under "Ergebnis per E-Mail": marketing mail after the result
    consent: FormConsent | None = None
    version: int | None = None

    @model_validator(mode="after")
    def _unique_keys(self) -> PriceTable:
        for name, keys in (
            ("bands", [band.key for band in self.bands]),
            ("event_types", [event.key for event in self.event_types]),
        ):
            if len(set(keys)) != len(keys):
                raise ValueError(f"{name}: each key may appear once")
        return self


class QuizAnswer(_Content):
    """An answer and the points it gives each outcome."""

    key: str = Field(pattern=_KEY)
    label: str = Field(min_length=1, max_length=200)
    points: dict[str, int] = Field(default_factory=dict, max_length=20)


class QuizQuestion(_Content):
    key: str = Field(pattern=_KEY)
    text: str = Field(min_length=1, max_length=300)
    answers: list[QuizAnswer] = Field(min_length=2, max_length=8)


class QuizOutcome(_Content):
    """A result: its title and text, and the event type and band format it suggests."""

    key: str = Field(pattern=_KEY)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=1000)
    event_type: str | None = Field(default=None, pattern=_KEY)
    band_format: str | None = Field(default=None, pattern=_KEY)


class QuizDefinition(_Content):
    """A quiz ("Event-Typ-Finder"): questions whose answers give points to outcomes; the
    outcome with the most points wins (the first listed on a tie)."""

    quiz_id: str = Field(pattern=_KEY)
    title: str = Field(min_length=1, max_length=200)
    intro: str | None = Field(default=None, max_length=1000)
    questions: list[QuizQuestion] = Field(min_length=1, max_length=20)
    outcomes: list[QuizOutcome] = Field(min_length=1, max_length=12)
    consent: FormConsent | None = None
    active: bool = True
    version: int | None = None

    @model_validator(mode="after")
    def _points_name_outcomes(self) -> QuizDefinition:
        outcomes = {outcome.key for outcome in self.outcomes}
        if len(outcomes) != len(self.outcomes):
            raise ValueError("outcomes: each key may appear once")
        for question in self.questions:
            for answer in question.answers:
                unknown = set(answer.points) - outcomes
                if unknown:
                    raise ValueError(
                        f"{question.key}.{answer.key}: points for unknown outcomes "
                        f"{', '.join(sorted(unknown))}"
                    )
        return self


class QuizDefinitions(_Content):
    quizzes: list[QuizDefinition]
