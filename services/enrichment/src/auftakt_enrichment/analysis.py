"""The lead analysis without I/O: what it is given (behaviour and firmographics — never
contact data or names), how that is hashed, the German prompt and answer tool for Claude,
and the rule-based analysis that answers the same questions from the same facts.

The rule-based analysis is the feature on a fresh install (no key), when the daily budget
is used up, and when Claude fails; it is labelled `regelbasiert` wherever it is shown."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from auftakt_common.event_types import Case, event_type
from auftakt_common.events import IntentLevel, LeadAnalysis
from auftakt_common.german import euro, euro_range
from pydantic import BaseModel, ConfigDict

__all__ = [
    "ANALYSIS_TOOL",
    "AnalysisInput",
    "CompanyFit",
    "EventFacts",
    "ScoreStep",
    "SYSTEM_PROMPT",
    "days_between",
    "input_hash",
    "rule_based_analysis",
    "user_prompt",
]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventFacts(_Input):
    type: str | None = None
    date: dt.date | None = None
    days_until: int | None = None
    guest_count: int | None = None
    budget_min: int | None = None
    budget_max: int | None = None


class ScoreStep(_Input):
    at: dt.date
    activity: str
    delta: int
    reason: str


class CompanyFit(_Input):
    """The lead's company as firmographics: no name (a sole trader's firm is a person's
    name), no address."""

    legal_form: str | None = None
    industry: str | None = None
    employees: int | None = None
    revenue_range: str | None = None
    city: str | None = None
    country: str | None = None
    target_account: bool = False
    tier: str | None = None
    contacts: int = 0
    engaged_contacts: int = 0
    highest_score: int = 0


class AnalysisInput(_Input):
    """Everything an analysis sees of a lead."""

    today: dt.date
    score: int
    stage: Literal["cold", "warm", "hot", "burning"]
    source: str | None = None
    medium: str | None = None
    days_since_first_contact: int | None = None
    days_since_last_activity: int | None = None
    event: EventFacts
    score_history: list[ScoreStep] = []
    activities: dict[str, int] = {}
    pages: dict[str, int] = {}
    lead_magnets: list[str] = []
    company: CompanyFit | None = None
    role: str | None = None
    decision_maker: bool | None = None


def input_hash(analysis_input: AnalysisInput) -> str:
    """SHA-256 of the input in canonical JSON: the same facts give the same hash."""
    canonical = json.dumps(
        analysis_input.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


SYSTEM_PROMPT = (
    "Du bist Vertriebsanalyst einer deutschen Agentur, die Bands und Musiker für "
    "Firmenevents vermittelt (Weihnachtsfeier, Sommerfest, Jubiläum, Gala, Messe). Du "
    "bewertest Leads aus dem Website-Verhalten und den Firmendaten und sagst dem Vertrieb "
    "knapp und konkret, wie er vorgehen soll. Du erfindest nichts: Was die Daten nicht "
    "zeigen, behauptest du nicht. Antworte ausschließlich auf Deutsch und ausschließlich "
    "über das Werkzeug `lead_analyse`."
)

_FIELD_DESCRIPTIONS = {
    "intent_level": "Kaufabsicht: low (niedrig), medium (mittel) oder high (hoch).",
    "buying_signals": "Die beobachteten Kaufsignale, je ein kurzer deutscher Satz, "
    "die stärksten zuerst (höchstens 10).",
    "recommended_approach": "Empfohlener Vertriebsansatz in zwei bis vier Sätzen.",
    "qualification_score": "Qualifizierung des Leads von 0 (ungeeignet) bis 100 (abschlussreif).",
    "next_best_action": "Der nächste konkrete Schritt für den Vertrieb, mit Frist.",
}


def _tool_schema() -> dict[str, Any]:
    schema = LeadAnalysis.model_json_schema()
    schema.pop("title", None)
    schema["description"] = "Analyse eines Leads: Kaufabsicht, Signale, Vorgehen."
    for name, description in _FIELD_DESCRIPTIONS.items():
        schema["properties"][name].pop("title", None)
        schema["properties"][name]["description"] = description
    return schema


ANALYSIS_TOOL: dict[str, Any] = {
    "name": "lead_analyse",
    "description": "Gibt die Analyse eines Leads für den Vertrieb zurück.",
    "input_schema": _tool_schema(),
}


def user_prompt(analysis_input: AnalysisInput) -> str:
    facts = json.dumps(analysis_input.model_dump(mode="json"), ensure_ascii=False, indent=1)
    return (
        "Analysiere diesen B2B-Lead für unsere Band-Agentur.\n\n"
        "Daten (JSON; `score` ist unser Lead-Score 0–100 mit der Stufe `stage`, "
        "`score_history` die Regeln, die ihn bewegt haben, `activities` und `pages` zählen "
        "das Website-Verhalten, `event` ist die Veranstaltung des Kunden, `company` die "
        "Firmendaten, `role` die Rolle der Person, soweit bekannt):\n"
        f"{facts}\n\n"
        "Aufgaben:\n"
        "1. Kaufabsicht einschätzen (low/medium/high).\n"
        "2. Kaufsignale benennen.\n"
        "3. Einen Vertriebsansatz empfehlen.\n"
        "4. Die Qualifizierung von 0 bis 100 bewerten.\n"
        "5. Den nächsten besten Schritt vorschlagen."
    )


# what the rule-based analysis reads from scoring's activity names
_HOT_ACTIONS = {
    "calendar_booking_started": "Hat eine Kalender-Buchung begonnen",
    "phone_clicked": "Hat die Telefonnummer angeklickt",
    "whatsapp_clicked": "Hat den WhatsApp-Button angeklickt",
    "form_50_percent_filled": "Hat das Anfrageformular zur Hälfte ausgefüllt",
    "budget_calculator_used": "Hat den Budget-Rechner genutzt",
}
_WARM_ACTIONS = {
    "pricing_page_visited": "Hat sich die Preise angesehen",
    "case_study_viewed": "Hat Referenzen bzw. Case Studies gelesen",
    "quiz_completed": "Hat den Event-Typ-Finder abgeschlossen",
    "testimonials_viewed": "Hat Kundenstimmen gelesen",
    "video_watched": "Hat ein Video zu mehr als der Hälfte angesehen",
    "about_us_visited": "Hat die Über-uns-Seite besucht",
    "email_clicked": "Hat auf einen Link in unseren E-Mails geklickt",
}
_ROLE_NAMES = {
    "geschaeftsfuehrung": "Geschäftsführung",
    "hr": "Personal/HR",
    "marketing": "Marketing",
    "event": "Eventplanung",
    "leitung": "Leitungsebene",
}


def _event_name(event: EventFacts, case: Case = "nominative") -> str:
    """The event with its article ("das Firmenjubiläum"); "das Event" when none is named."""
    return event_type(event.type).with_article(case)


def _seen(analysis_input: AnalysisInput) -> set[str]:
    seen = {name for name, count in analysis_input.activities.items() if count > 0}
    return seen | {step.activity for step in analysis_input.score_history if step.delta > 0}


def _signals(analysis_input: AnalysisInput, seen: set[str]) -> list[str]:
    facts = analysis_input
    signals = [text for name, text in _HOT_ACTIONS.items() if name in seen]
    signals += [text for name, text in _WARM_ACTIONS.items() if name in seen]
    pricing = sum(views for path, views in facts.pages.items() if path.startswith("/preise"))
    if pricing >= 2:
        signals.append(f"Preisseite {pricing}-mal aufgerufen")
    if facts.lead_magnets:
        signals.append("Lead-Magnet angefordert: " + ", ".join(facts.lead_magnets[:3]))
    event = facts.event
    if event.days_until is not None and 0 <= event.days_until <= 120:
        signals.append(f"Termin steht: {_event_name(event)} in {event.days_until} Tagen")
    if budget := euro_range(event.budget_min, event.budget_max):
        signals.append(f"Budget genannt: {budget}")
    if event.guest_count and event.guest_count >= 50:
        signals.append(f"{event.guest_count} Gäste erwartet")
    company = facts.company
    if company and company.employees and company.employees > 200:
        signals.append(f"Großes Unternehmen ({company.employees} Mitarbeitende)")
    if facts.decision_maker:
        signals.append(f"Entscheider-Rolle ({_ROLE_NAMES.get(facts.role or '', 'Leitung')})")
    if company and company.target_account:
        tier = f", {company.tier.replace('tier_', 'Tier ')}" if company.tier else ""
        signals.append(f"Zielkunde{tier}")
    if company and company.engaged_contacts >= 2:
        signals.append(
            f"{company.engaged_contacts} Kontakte derselben Firma aktiv – ein Buying Center "
            "bildet sich"
        )
    return signals[:10]


def _qualification(analysis_input: AnalysisInput) -> int:
    facts, event, company = analysis_input, analysis_input.event, analysis_input.company
    fit = 0
    fit += 8 if event.date else 0
    fit += 7 if event.days_until is not None and 0 <= event.days_until <= 90 else 0
    fit += 8 if event.budget_max else 0
    fit += 5 if (event.guest_count or 0) >= 50 else 0
    fit += 7 if company and (company.employees or 0) > 200 else 0
    fit += 10 if facts.decision_maker else 0
    fit += 5 if company and company.target_account else 0
    fit += 5 if company and company.engaged_contacts >= 2 else 0
    quiet = facts.days_since_last_activity
    fit -= 10 if quiet is not None and quiet > 30 else 0
    return max(0, min(100, round(facts.score * 0.6) + fit))


def _intent(analysis_input: AnalysisInput, seen: set[str], qualification: int) -> IntentLevel:
    hot_actions = bool(seen & _HOT_ACTIONS.keys())
    if analysis_input.stage == "burning" or qualification >= 75:
        return "high"
    if analysis_input.stage == "hot" and hot_actions:
        return "high"
    if analysis_input.score >= 31 or qualification >= 45 or hot_actions:
        return "medium"
    return "low"


def _approach(analysis_input: AnalysisInput, intent: IntentLevel) -> tuple[str, str]:
    event = analysis_input.event
    name = _event_name(event, "accusative")  # "für das Firmenjubiläum"
    guests = f" für {event.guest_count} Gäste" if event.guest_count else ""
    budget = f" im Rahmen von {euro(event.budget_max)}" if event.budget_max else ""
    if intent == "high":
        approach = (
            f"Persönlich anrufen, solange das Interesse frisch ist. Ein konkretes Angebot "
            f"für {name}{guests} mit zwei bis drei passenden Bands{budget} vorbereiten und "
            "im Gespräch Termin, Ablauf und Technik klären."
        )
        action = "Heute noch anrufen und das Angebot innerhalb von 24 Stunden schicken."
    elif intent == "medium":
        missing = [
            label
            for label, known in (
                ("Datum", event.date),
                ("Gästezahl", event.guest_count),
                ("Budget", event.budget_max),
            )
            if not known
        ]
        ask = f" und offene Punkte klären ({', '.join(missing)})" if missing else ""
        approach = (
            f"Mit einer passenden Referenz für {name} per E-Mail nachfassen{ask}; bei "
            "Antwort ein kurzes Telefonat mit Bandvorschlägen anbieten."
        )
        action = "In den nächsten zwei Tagen eine persönliche E-Mail mit Referenz senden."
    else:
        approach = (
            "Noch kein Kaufsignal: im Nurturing lassen und mit Inhalten (Checkliste, "
            "Referenzen, Budget-Rechner) Interesse wecken; nicht aktiv anrufen."
        )
        action = "Keine Vertriebsaktion; Verhalten in zwei Wochen erneut prüfen."
    return approach, action


def rule_based_analysis(analysis_input: AnalysisInput) -> LeadAnalysis:
    """The analysis from rules: the signals the facts show, a qualification from the
    lead score and the fit (date, budget, size, role, account), and the approach that
    follows from the intent."""
    seen = _seen(analysis_input)
    qualification = _qualification(analysis_input)
    intent = _intent(analysis_input, seen, qualification)
    approach, action = _approach(analysis_input, intent)
    signals = _signals(analysis_input, seen) or ["Bisher keine deutlichen Kaufsignale"]
    return LeadAnalysis(
        intent_level=intent,
        buying_signals=signals,
        recommended_approach=approach,
        qualification_score=qualification,
        next_best_action=action,
    )


def days_between(earlier: dt.datetime | None, today: dt.date) -> int | None:
    return None if earlier is None else (today - earlier.date()).days
