"""What a form submission becomes before it is a lead, without I/O: a known form's rules
checked and its own consent text, lead magnet and thank-you page applied (the browser's
copies are not trusted), and a calculator's or quiz's results computed again from their
inputs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .content_store import Content
from .forms import validate_form
from .magnets import CALCULATOR, QUIZ, calculator_results, quiz_results
from .problems import FORM_RULE, FieldError
from .schemas import loads_json
from .wording import Words

__all__ = ["berlin_today", "prepared_submission"]

_BERLIN = ZoneInfo("Europe/Berlin")


def berlin_today() -> date:
    """Today where the agency and its customers are (an event date "today" is not past)."""
    return datetime.now(_BERLIN).date()


def _consent_text(text: str, version: str) -> str:
    return f"{text} [Fassung {version}]"


def _results(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The magnet results as sent: JSON, or a JSON string from a plain HTML form (what
    does not parse is left to the lead schema, which names it)."""
    results = data.get("quiz_results")
    if isinstance(results, str) and results.strip():
        try:
            results = loads_json(results)
        except (ValueError, RecursionError):
            return None
    return results if isinstance(results, dict) else None


def prepared_submission(
    content: Content, data: Mapping[str, Any], *, today: date, words: Words
) -> dict[str, Any] | list[FieldError]:
    """The submission as capture stores it, or what is wrong with it (German, per field).
    A `form_id` that names no form of capture's is a site's own form: taken as sent."""
    prepared = dict(data)
    form = content.forms.get(str(data.get("form_id") or ""))
    if form is not None:
        if not form.active:
            return [FieldError("form_id", "Dieses Formular ist nicht mehr aktiv.", FORM_RULE)]
        if errors := validate_form(form, data, today=today, words=words):
            return errors
        if form.consent is not None:
            prepared["consent_text"] = _consent_text(form.consent.text, form.consent.version)
        else:  # the form asks for no consent: a tick the browser adds is not one
            prepared.pop("consent_marketing", None)
            prepared.pop("consent_text", None)
        if form.lead_magnet is not None:
            prepared["lead_magnet"], prepared["magnet_name"] = form.lead_magnet, form.magnet_name
        if form.thank_you_url:
            prepared["thank_you_url"] = form.thank_you_url
    magnet = str(prepared.get("lead_magnet") or "").lower()
    results = _results(data)
    # capture's own calculator and quizzes say so (inputs, a quiz id); a site's own
    # magnet's results are taken as sent
    if magnet == CALCULATOR and results is not None and "inputs" in results:
        computed = calculator_results(content.prices, results, words)
        consent = content.prices.consent
    elif (
        magnet == QUIZ
        and results is not None
        and isinstance(results.get("quiz_id"), str)
        and results["quiz_id"] in content.quizzes
    ):
        computed = quiz_results(content.quizzes, results, words)
        consent = content.quizzes[str(results["quiz_id"])].consent
    else:
        return prepared
    if isinstance(computed, list):
        return computed
    if consent is not None and form is None:
        prepared["consent_text"] = _consent_text(consent.text, consent.version)
    prepared["quiz_results"] = computed.pop("quiz_results")
    if magnet_name := computed.pop("magnet_name", None):  # the quiz's own title
        prepared["magnet_name"] = magnet_name
    for name, value in computed.items():
        if value is not None and not data.get(name):  # what the person typed wins
            prepared[name] = value
    return prepared
