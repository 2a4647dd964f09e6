"""The budget calculator's sequence: its own result, asked for by mail, then two follow-ups."""

from __future__ import annotations

from .wording import (
    HELLO,
    SITE,
    ShippedSequence,
    ShippedStep,
    link,
    p,
    words,
)

__all__ = ["CALCULATOR"]

# Step 1 answers the calculator's "Ergebnis per E-Mail senden": its own figures only.
_CALCULATOR_RESULT_TEXT = (
    "{{ calculator_range }} für {{ calculator_guests }} Gäste\n{{ calculator_details }}\n"
    "{{ calculator_note }}"
)
_CALCULATOR_RESULT_HTML = (
    "<p><strong>{{ calculator_range }}</strong> für {{ calculator_guests }} Gäste<br>"
    "{{ calculator_details }}<br><small>{{ calculator_note }}</small></p>"
)

# both forms alike: these address nobody
_CALCULATOR_FAQ = words(
    "Fragen zum Angebot? Hier sind die Top 3",
    [
        HELLO,
        "die drei Fragen, die wir am häufigsten hören:\n"
        "1. Was ist im Preis drin? Band, Anfahrt, Ton- und Lichttechnik.\n"
        "2. Wie lange spielt die Band? Drei Sets à 45 Minuten, Verlängerung "
        "möglich.\n"
        "3. Was, wenn jemand krank wird? Wir stellen Ersatz, garantiert.",
        f"Weitere Antworten: {SITE}/faq",
    ],
    [
        p(HELLO),
        "<p>die drei Fragen, die wir am häufigsten hören:</p><ol>"
        "<li><strong>Was ist im Preis drin?</strong> Band, Anfahrt, Ton- und "
        "Lichttechnik.</li>"
        "<li><strong>Wie lange spielt die Band?</strong> Drei Sets à 45 "
        "Minuten, Verlängerung möglich.</li>"
        "<li><strong>Was, wenn jemand krank wird?</strong> Wir stellen Ersatz, "
        "garantiert.</li></ol>",
        link("Weitere Antworten", f"{SITE}/faq"),
    ],
)
_CALCULATOR_SLOTS = words(
    "Update: Nur noch {{ slots_left }} freie Termine im {{ month }}",
    [
        HELLO,
        "kurzes Update: Für den {{ month }} haben wir nur noch {{ slots_left }} "
        "freie Termine. Wenn {{ company }} sich einen sichern möchte, reicht "
        "eine kurze Antwort mit dem Datum, wir halten ihn 7 Tage unverbindlich "
        "frei.",
    ],
    [
        p(HELLO),
        p(
            "kurzes Update: Für den {{ month }} haben wir nur noch ",
            "<strong>{{ slots_left }} freie Termine</strong>. Wenn ",
            "{{ company }} sich einen sichern möchte, reicht eine kurze ",
            "Antwort mit dem Datum, wir halten ihn 7 Tage unverbindlich frei.",
        ),
    ],
)

CALCULATOR = ShippedSequence(
    key="budget_calculator",
    name="Budget-Rechner – Ergebnis und Nachfassen",
    earlier_names=("Budget Calculator - Hot Lead Follow-Up",),
    trigger_event="lead.magnet_downloaded",
    trigger_filter={"magnet_type": "budget_calculator"},
    steps=(
        ShippedStep(
            delay_hours=0,
            transactional=True,
            earlier=("7cc4cd5ca7f19cbbfde0b70d21b182b1bb6ad340c7633d040535dbda5bb1596f",),
            wording={
                "du": words(
                    "Euer Ergebnis aus dem Budget-Rechner: {{ calculator_range }}",
                    [
                        HELLO,
                        "hier ist euer Ergebnis aus unserem Budget-Rechner, so wie ihr es "
                        "auf der Seite gesehen habt:",
                        _CALCULATOR_RESULT_TEXT,
                        "Wollt ihr ein verbindliches Angebot? Antwortet einfach mit Datum und "
                        "Ort eures Events, wir melden uns innerhalb eines Werktags.",
                    ],
                    [
                        p(HELLO),
                        p(
                            "hier ist euer Ergebnis aus unserem Budget-Rechner, so wie ihr es ",
                            "auf der Seite gesehen habt:",
                        ),
                        _CALCULATOR_RESULT_HTML,
                        p(
                            "Wollt ihr ein verbindliches Angebot? Antwortet einfach mit Datum ",
                            "und Ort eures Events, wir melden uns innerhalb eines Werktags.",
                        ),
                    ],
                ),
                "sie": words(
                    "Ihr Ergebnis aus dem Budget-Rechner: {{ calculator_range }}",
                    [
                        HELLO,
                        "hier ist Ihr Ergebnis aus unserem Budget-Rechner, so wie Sie es auf "
                        "der Seite gesehen haben:",
                        _CALCULATOR_RESULT_TEXT,
                        "Möchten Sie ein verbindliches Angebot? Antworten Sie einfach mit "
                        "Datum und Ort Ihres Events, wir melden uns innerhalb eines Werktags.",
                    ],
                    [
                        p(HELLO),
                        p(
                            "hier ist Ihr Ergebnis aus unserem Budget-Rechner, so wie Sie es ",
                            "auf der Seite gesehen haben:",
                        ),
                        _CALCULATOR_RESULT_HTML,
                        p(
                            "Möchten Sie ein verbindliches Angebot? Antworten Sie einfach mit ",
                            "Datum und Ort Ihres Events, wir melden uns innerhalb eines ",
                            "Werktags.",
                        ),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=48,
            transactional=False,
            wording={"du": _CALCULATOR_FAQ, "sie": _CALCULATOR_FAQ},
        ),
        ShippedStep(
            delay_hours=120,
            transactional=False,
            earlier=("b8197f3bbf44d691d00aa6ed8c8e6dafafd821268fcc32ab87d6d01fc7b97945",),
            wording={"du": _CALCULATOR_SLOTS, "sie": _CALCULATOR_SLOTS},
        ),
    ),
)
