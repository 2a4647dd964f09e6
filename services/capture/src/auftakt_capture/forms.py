"""Embeddable forms as data, without I/O: what kind of input each lead field is, the rules
a submission must meet (checked by the browser and again by capture, in the same German
words), and the form's accessible HTML, which both the plain copy-paste form and the
JavaScript embed use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from auftakt_common.content import COMPANY_SIZES, FormDefinition, FormField, FormFieldName
from auftakt_common.email_address import EmailAddressInvalid, checked_email
from auftakt_common.german import thousands
from jinja2 import Environment, PackageLoader, select_autoescape

from .problems import FORM_RULE, FieldError
from .schemas import MAX_BUDGET_EUR, MAX_GUESTS
from .wording import Words

__all__ = ["TEMPLATES", "FieldRule", "form_html", "messages", "rules_of", "validate_form"]

# The wording of every rule, used by the server and handed to the browser's script: these
# address nobody; the others come in the configured form of address (wording.py).
_NEUTRAL_MESSAGES = {
    "number": "„{label}“ muss eine ganze Zahl von {min} bis {max} sein.",
    "past": "„{label}“ darf nicht in der Vergangenheit liegen.",
    "length": "„{label}“ darf höchstens {max} Zeichen lang sein.",
}
_WORDED_MESSAGES = ("required", "email", "tel", "date", "choice", "domain")


def messages(words: Words) -> dict[str, str]:
    """Every rule's message, as the server says it and the browser's script shows it."""
    return {**_NEUTRAL_MESSAGES, **{key: words[key] for key in _WORDED_MESSAGES}}


_DIGITS = re.compile(r"[0-9]+")  # str.isdigit() takes "²", which int() refuses
_PHONE = re.compile(r"^\+?[0-9 ()/.\-]{5,50}$")
_DOMAIN = re.compile(r"^(?:https?://)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}/?$")
_COMPANY_SIZES = [(size, f"{size} Mitarbeitende") for size in COMPANY_SIZES]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How a field is asked and checked: the input's kind, limits, choices."""

    name: FormFieldName
    label: str
    kind: str  # text, email, tel, number, date, select, url
    required: bool
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    autocomplete: str | None = None
    placeholder: str | None = None
    help: str | None = None

    def as_json(self) -> dict[str, Any]:
        """What the browser's script needs to check it the same way."""
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "maxLength": self.max_length,
            "min": self.minimum,
            "max": self.maximum,
            "options": [value for value, _ in self.options],
        }


_KINDS: dict[str, dict[str, Any]] = {
    "email": {"kind": "email", "max_length": 254, "autocomplete": "email"},
    "first_name": {"kind": "text", "max_length": 100, "autocomplete": "given-name"},
    "last_name": {"kind": "text", "max_length": 100, "autocomplete": "family-name"},
    "phone": {"kind": "tel", "max_length": 50, "autocomplete": "tel"},
    "company_name": {"kind": "text", "max_length": 255, "autocomplete": "organization"},
    "company_size": {"kind": "select", "options": tuple(_COMPANY_SIZES)},
    "company_industry": {"kind": "text", "max_length": 100},
    "company_domain": {"kind": "url", "max_length": 255, "autocomplete": "url"},
    "event_type": {"kind": "select"},
    "event_date": {"kind": "date"},
    "guest_count": {"kind": "number", "minimum": 1, "maximum": MAX_GUESTS},
    "budget_min": {"kind": "number", "minimum": 0, "maximum": MAX_BUDGET_EUR},
    "budget_max": {"kind": "number", "minimum": 0, "maximum": MAX_BUDGET_EUR},
    "location": {"kind": "text", "max_length": 255},
}


def _rule(field: FormField) -> FieldRule:
    kind = dict(_KINDS[field.name])
    if field.options:
        kind["options"] = tuple((option.value, option.label) for option in field.options)
    return FieldRule(
        name=field.name,
        label=field.label,
        required=field.required,
        placeholder=field.placeholder,
        help=field.help,
        **kind,
    )


def rules_of(form: FormDefinition) -> list[FieldRule]:
    return [_rule(field) for field in form.fields]


def _message(said: Mapping[str, str], key: str, rule: FieldRule, **values: Any) -> str:
    return said[key].format(label=rule.label, **values)


def _check(rule: FieldRule, value: str, today: date, said: Mapping[str, str]) -> str | None:
    """The German message for what is wrong with a non-empty value, or None."""
    if rule.max_length is not None and len(value) > rule.max_length:
        return _message(said, "length", rule, max=rule.max_length)
    if rule.kind == "email":
        try:  # the rule the lead schema checks with, so no English error comes after
            checked_email(value)
        except EmailAddressInvalid:
            return _message(said, "email", rule)
    if rule.kind == "tel" and not _PHONE.match(value):
        return _message(said, "tel", rule)
    if rule.kind == "url" and not _DOMAIN.match(value):
        return _message(said, "domain", rule)
    if rule.kind == "select" and value not in {option for option, _ in rule.options}:
        return _message(said, "choice", rule)
    if rule.kind == "number":
        lowest, highest = rule.minimum or 0, rule.maximum or 0
        if not _DIGITS.fullmatch(value) or not lowest <= int(value) <= highest:
            return _message(said, "number", rule, min=thousands(lowest), max=thousands(highest))
    if rule.kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return _message(said, "date", rule)
        if day < today:
            return _message(said, "past", rule)
    return None


def validate_form(
    form: FormDefinition, data: Mapping[str, Any], *, today: date, words: Words
) -> list[FieldError]:
    """What is wrong with a submission of this form, per field, in German (empty: fine).
    Values arrive as a form or JSON sends them; the lead's own schema checks again."""
    said = messages(words)
    errors: list[FieldError] = []
    for rule in rules_of(form):
        raw = data.get(rule.name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if rule.required:
                errors.append(FieldError(rule.name, _message(said, "required", rule), FORM_RULE))
            continue
        if message := _check(rule, value, today, said):
            errors.append(FieldError(rule.name, message, FORM_RULE))
    return errors


TEMPLATES = Environment(
    loader=PackageLoader("auftakt_capture", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def form_html(form: FormDefinition, *, action: str) -> str:
    """The form as accessible HTML that works without JavaScript: labels, required marks,
    help texts tied to their inputs, the consent box unticked, a honeypot."""
    return TEMPLATES.get_template("form.html").render(
        form=form, rules=rules_of(form), action=action
    )
