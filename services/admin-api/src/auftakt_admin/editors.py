"""Editor forms → the owners' commands: scoring rules and mappings, mail sequences, a
company's targeting. Pure translation of form fields into command bodies (the owner
validates), and of the owners' errors back into the form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auftakt_common.commands import FieldError

__all__ = [
    "error_text",
    "errors_by_field",
    "mapping_from_form",
    "rule_from_form",
    "sequence_from_form",
    "targeting_from_form",
]


def _optional_int(value: str | None) -> int | str | None:
    text = (value or "").strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text  # the owner names a bad one


def _checked(form: Mapping[str, str], name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


def rule_from_form(activity: str, form: Mapping[str, str]) -> dict[str, Any]:
    return {
        "activity": activity,
        "points": _optional_int(form.get("points")),
        "description": form.get("description", ""),
        "max_per_lead": _optional_int(form.get("max_per_lead")),
        "cooldown_seconds": _optional_int(form.get("cooldown_seconds")),
        "website": _checked(form, "website"),
        "active": _checked(form, "active"),
    }


def mapping_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": _optional_int(form.get("id")),
        "position": _optional_int(form.get("position")) or 100,
        "event_type": form.get("event_type", ""),
        "field": form.get("field", ""),
        "operator": form.get("operator", ""),
        "value": form.get("value", ""),
        "activity": form.get("activity", ""),
        "active": _checked(form, "active"),
        "note": form.get("note") or None,
    }


def _trigger_filter(text: str) -> dict[str, str] | str:
    """`magnet_type=checklist_2025`, one per line."""
    pairs: dict[str, str] = {}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            return line  # the owner rejects a non-mapping and names the field
        pairs[name.strip()] = value.strip()
    return pairs


def sequence_from_form(key: str, form: Mapping[str, str]) -> dict[str, Any]:
    """Steps come as `steps-<n>-<field>`; a step with neither subject nor text is left out
    (the editor's empty row for adding one)."""
    indexes = sorted(
        {
            int(name.split("-")[1])
            for name in form
            if name.startswith("steps-") and name.count("-") >= 2
        }
    )
    steps = []
    for index in indexes:

        def field(name: str, index: int = index) -> str:
            return form.get(f"steps-{index}-{name}", "")

        if not (field("subject").strip() or field("body_text").strip()):
            continue
        steps.append(
            {
                "position": _optional_int(field("position")),
                "delay_hours": _optional_int(field("delay_hours")) or 0,
                "subject": field("subject"),
                "body_html": field("body_html") or field("body_text"),
                "body_text": field("body_text"),
                "transactional": _checked(form, f"steps-{index}-transactional"),
                "active": _checked(form, f"steps-{index}-active"),
            }
        )
    return {
        "key": key,
        "name": form.get("name", ""),
        "trigger": {
            "event": form.get("trigger_event", ""),
            "filter": _trigger_filter(form.get("trigger_filter", "")),
        },
        "active": _checked(form, "active"),
        "steps": steps,
    }


def targeting_from_form(company: dict[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """`company`: its `company_id` or `domain`; the tier "" is none."""
    return {
        **company,
        "target_account": _checked(form, "target_account"),
        "tier": form.get("tier") or None,
    }


def errors_by_field(errors: list[FieldError]) -> dict[str, str]:
    return {error.field: error.message for error in errors}


def error_text(errors: list[FieldError]) -> str:
    """The owner's errors in one line (an error naming no field: the owner is away)."""
    return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
