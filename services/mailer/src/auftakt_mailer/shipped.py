"""The sequences Auftakt ships, in both forms of address. A shipped text nobody has edited
follows `AUFTAKT_ADDRESS_FORM` ("Sie" unless set): at every migration, a step or sequence
name still exactly as shipped (now or in an earlier release) is rewritten to the form
configured; anything edited in the dashboard stays as it is."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auftakt_common.settings import AddressForm
from sqlalchemy import Connection, text

__all__ = ["SHIPPED", "ShippedSequence", "ShippedStep", "align_shipped_texts", "sequence_id_of"]

_SITE = "https://www.musikfuerfirmen.de"
_SIGNATURE_TEXT = "Viele Grüße\nJonas von Musik für Firmen\nTel. 030 555 010 10"
_SIGNATURE_HTML = "<p>Viele Grüße<br>Jonas von Musik für Firmen<br>Tel. 030 555 010 10</p>"


@dataclass(frozen=True, slots=True)
class Wording:
    subject: str
    body_text: str
    body_html: str

    @property
    def fingerprint(self) -> str:
        joined = "\x1f".join((self.subject, self.body_text, self.body_html))
        return hashlib.sha256(joined.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ShippedStep:
    delay_hours: int
    transactional: bool
    wording: dict[AddressForm, Wording]
    # fingerprints of this step's texts as earlier releases shipped them
    earlier: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShippedSequence:
    key: str
    name: str
    trigger_event: str
    trigger_filter: dict[str, str]
    steps: tuple[ShippedStep, ...]
    earlier_names: tuple[str, ...] = ()


def sequence_id_of(key: str) -> uuid.UUID:
    """A shipped sequence's id: the same on every installation."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"auftakt:sequence:{key}")


def _words(subject: str, paragraphs: list[str], html: list[str]) -> Wording:
    """A mail from its paragraphs: text as given, HTML as given (links and emphasis)."""
    return Wording(
        subject=subject,
        body_text="\n\n".join([*paragraphs, _SIGNATURE_TEXT]),
        body_html="".join([*html, _SIGNATURE_HTML]),
    )


def _p(*lines: str) -> str:
    return "<p>" + "".join(lines) + "</p>"


def _link(label: str, url: str) -> str:
    return f'<p><a href="{url}">{label}</a></p>'


_HELLO = "Hallo {{ first_name }},"

CHECKLIST = ShippedSequence(
    key="checklist_2025",
    name="Checkliste – Download und Tipps",
    earlier_names=("Checkliste Download - Nurturing",),
    trigger_event="lead.magnet_downloaded",
    trigger_filter={"magnet_type": "checklist_2025"},
    steps=(
        ShippedStep(
            delay_hours=0,
            transactional=True,
            wording={
                "du": Wording(
                    subject="Hier ist eure Checkliste 📋 (+ Bonus)",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "danke für euer Interesse! Hier ist die Checkliste für euer "
                        "Firmenevent mit Live-Musik:\n{{ download_url }}\n\n"
                        "Bonus: Auf der letzten Seite findet ihr unseren Zeitplan, ab wann ihr "
                        "Band, Technik und Location buchen solltet.\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>danke für euer Interesse! Hier ist die Checkliste für euer "
                        "Firmenevent mit Live-Musik:</p>"
                        '<p><a href="{{ download_url }}">Checkliste herunterladen</a></p>'
                        "<p><strong>Bonus:</strong> Auf der letzten Seite findet ihr unseren "
                        "Zeitplan, ab wann ihr Band, Technik und Location buchen solltet.</p>"
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Hier ist Ihre Checkliste 📋 (+ Bonus)",
                    [
                        _HELLO,
                        "vielen Dank für Ihr Interesse! Hier ist die Checkliste für Ihr "
                        "Firmenevent mit Live-Musik:\n{{ download_url }}",
                        "Bonus: Auf der letzten Seite finden Sie unseren Zeitplan, ab wann "
                        "Sie Band, Technik und Location buchen sollten.",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "vielen Dank für Ihr Interesse! Hier ist die Checkliste für Ihr ",
                            "Firmenevent mit Live-Musik:",
                        ),
                        _link("Checkliste herunterladen", "{{ download_url }}"),
                        _p(
                            "<strong>Bonus:</strong> Auf der letzten Seite finden Sie unseren ",
                            "Zeitplan, ab wann Sie Band, Technik und Location buchen sollten.",
                        ),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=72,
            transactional=False,
            wording={
                "du": Wording(
                    subject="Schritt 1 erledigt? Hier ist Schritt 2",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "habt ihr Datum und Gästezahl schon fest? Dann kommt jetzt der "
                        "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                        "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach "
                        "eine Band, die die Tanzfläche füllt.\n\n"
                        f"Hört euch unsere Bands an: {_SITE}/bands\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>habt ihr Datum und Gästezahl schon fest? Dann kommt jetzt der "
                        "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                        "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach eine "
                        "Band, die die Tanzfläche füllt.</p>"
                        f'<p><a href="{_SITE}/bands">Hört euch unsere Bands an</a></p>'
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Schritt 1 erledigt? Hier ist Schritt 2",
                    [
                        _HELLO,
                        "stehen Datum und Gästezahl schon fest? Dann kommt jetzt der "
                        "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                        "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach "
                        "eine Band, die die Tanzfläche füllt.",
                        f"Hören Sie in unsere Bands hinein: {_SITE}/bands",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "stehen Datum und Gästezahl schon fest? Dann kommt jetzt der ",
                            "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere ",
                            "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach ",
                            "eine Band, die die Tanzfläche füllt.",
                        ),
                        _link("Hören Sie in unsere Bands hinein", f"{_SITE}/bands"),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=168,
            transactional=False,
            wording={
                "du": Wording(
                    subject="Wie Tech Solutions GmbH ihr Event geplant hat",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                        "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                        "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                        "„Die beste Feier seit Jahren“, sagt die Personalleiterin.\n\n"
                        f"Die ganze Geschichte: {_SITE}/referenzen/tech-solutions\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                        "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                        "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                        "„Die beste Feier seit Jahren“, sagt die Personalleiterin.</p>"
                        f'<p><a href="{_SITE}/referenzen/tech-solutions">Die ganze Geschichte '
                        "lesen</a></p>"
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Wie Tech Solutions GmbH ihr Event geplant hat",
                    [
                        _HELLO,
                        "Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                        "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                        "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                        "„Die beste Feier seit Jahren“, sagt die Personalleiterin.",
                        f"Die ganze Geschichte: {_SITE}/referenzen/tech-solutions",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei ",
                            "Wochen Vorlauf und keine Band. Wir haben in zwei Tagen ein ",
                            "Programm gebaut: Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. ",
                            "Das Ergebnis: „Die beste Feier seit Jahren“, sagt die ",
                            "Personalleiterin.",
                        ),
                        _link("Die ganze Geschichte lesen", f"{_SITE}/referenzen/tech-solutions"),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=336,
            transactional=False,
            wording={
                "du": Wording(
                    subject="Noch am Planen? Hier ist ein Angebot",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "falls {{ company }} noch Musik sucht: Bei "
                        "Buchung in den nächsten 14 Tagen ist die Tontechnik inklusive. "
                        "Antwortet einfach auf diese Mail oder ruft uns an, wir melden uns "
                        "innerhalb eines Werktags mit einem Vorschlag.\n\n"
                        f"Angebot anfragen: {_SITE}/anfrage\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>falls {{ company }} noch Musik sucht: Bei "
                        "Buchung in den nächsten 14 Tagen ist die Tontechnik inklusive. "
                        "Antwortet einfach auf diese Mail oder ruft uns an, wir melden uns "
                        "innerhalb eines Werktags mit einem Vorschlag.</p>"
                        f'<p><a href="{_SITE}/anfrage">Angebot anfragen</a></p>'
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Noch am Planen? Hier ist ein Angebot",
                    [
                        _HELLO,
                        "falls {{ company }} noch Musik sucht: Bei Buchung in den nächsten 14 "
                        "Tagen ist die Tontechnik inklusive. Antworten Sie einfach auf diese "
                        "Mail oder rufen Sie uns an, wir melden uns innerhalb eines Werktags "
                        "mit einem Vorschlag.",
                        f"Angebot anfragen: {_SITE}/anfrage",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "falls {{ company }} noch Musik sucht: Bei Buchung in den nächsten ",
                            "14 Tagen ist die Tontechnik inklusive. Antworten Sie einfach auf ",
                            "diese Mail oder rufen Sie uns an, wir melden uns innerhalb eines ",
                            "Werktags mit einem Vorschlag.",
                        ),
                        _link("Angebot anfragen", f"{_SITE}/anfrage"),
                    ],
                ),
            },
        ),
    ),
)

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
_CALCULATOR_FAQ = _words(
    "Fragen zum Angebot? Hier sind die Top 3",
    [
        _HELLO,
        "die drei Fragen, die wir am häufigsten hören:\n"
        "1. Was ist im Preis drin? Band, Anfahrt, Ton- und Lichttechnik.\n"
        "2. Wie lange spielt die Band? Drei Sets à 45 Minuten, Verlängerung "
        "möglich.\n"
        "3. Was, wenn jemand krank wird? Wir stellen Ersatz, garantiert.",
        f"Weitere Antworten: {_SITE}/faq",
    ],
    [
        _p(_HELLO),
        "<p>die drei Fragen, die wir am häufigsten hören:</p><ol>"
        "<li><strong>Was ist im Preis drin?</strong> Band, Anfahrt, Ton- und "
        "Lichttechnik.</li>"
        "<li><strong>Wie lange spielt die Band?</strong> Drei Sets à 45 "
        "Minuten, Verlängerung möglich.</li>"
        "<li><strong>Was, wenn jemand krank wird?</strong> Wir stellen Ersatz, "
        "garantiert.</li></ol>",
        _link("Weitere Antworten", f"{_SITE}/faq"),
    ],
)
_CALCULATOR_SLOTS = _words(
    "Update: Nur noch {{ slots_left }} freie Termine im {{ month }}",
    [
        _HELLO,
        "kurzes Update: Für den {{ month }} haben wir nur noch {{ slots_left }} "
        "freie Termine. Wenn {{ company }} sich einen sichern möchte, reicht "
        "eine kurze Antwort mit dem Datum, wir halten ihn 7 Tage unverbindlich "
        "frei.",
    ],
    [
        _p(_HELLO),
        _p(
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
                "du": _words(
                    "Euer Ergebnis aus dem Budget-Rechner: {{ calculator_range }}",
                    [
                        _HELLO,
                        "hier ist euer Ergebnis aus unserem Budget-Rechner, so wie ihr es "
                        "auf der Seite gesehen habt:",
                        _CALCULATOR_RESULT_TEXT,
                        "Wollt ihr ein verbindliches Angebot? Antwortet einfach mit Datum und "
                        "Ort eures Events, wir melden uns innerhalb eines Werktags.",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "hier ist euer Ergebnis aus unserem Budget-Rechner, so wie ihr es ",
                            "auf der Seite gesehen habt:",
                        ),
                        _CALCULATOR_RESULT_HTML,
                        _p(
                            "Wollt ihr ein verbindliches Angebot? Antwortet einfach mit Datum ",
                            "und Ort eures Events, wir melden uns innerhalb eines Werktags.",
                        ),
                    ],
                ),
                "sie": _words(
                    "Ihr Ergebnis aus dem Budget-Rechner: {{ calculator_range }}",
                    [
                        _HELLO,
                        "hier ist Ihr Ergebnis aus unserem Budget-Rechner, so wie Sie es auf "
                        "der Seite gesehen haben:",
                        _CALCULATOR_RESULT_TEXT,
                        "Möchten Sie ein verbindliches Angebot? Antworten Sie einfach mit "
                        "Datum und Ort Ihres Events, wir melden uns innerhalb eines Werktags.",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "hier ist Ihr Ergebnis aus unserem Budget-Rechner, so wie Sie es ",
                            "auf der Seite gesehen haben:",
                        ),
                        _CALCULATOR_RESULT_HTML,
                        _p(
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

SIEBEN_FEHLER = ShippedSequence(
    key="sieben_fehler",
    name="7 Fehler bei Firmenfeiern – PDF und Tipps",
    trigger_event="lead.magnet_downloaded",
    trigger_filter={"magnet_type": "sieben_fehler"},
    steps=(
        ShippedStep(
            delay_hours=0,
            transactional=True,
            wording={
                "du": Wording(
                    subject="Euer PDF: 7 Fehler bei Firmenfeiern",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "danke für euer Interesse! Hier ist euer PDF „7 Fehler, die eure "
                        "Firmenfeier ruinieren – und wie ihr sie vermeidet“:\n"
                        "{{ download_url }}\n\n"
                        "Unser Tipp vorab: Fehler Nr. 1 ist fast immer, die Musik zu spät zu "
                        "buchen. Für Dezember sind gute Bands oft schon im Sommer vergeben.\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>danke für euer Interesse! Hier ist euer PDF „7 Fehler, die eure "
                        "Firmenfeier ruinieren – und wie ihr sie vermeidet“:</p>"
                        '<p><a href="{{ download_url }}">PDF herunterladen</a></p>'
                        "<p><strong>Unser Tipp vorab:</strong> Fehler Nr. 1 ist fast immer, die "
                        "Musik zu spät zu buchen. Für Dezember sind gute Bands oft schon im "
                        "Sommer vergeben.</p>"
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Ihr PDF: 7 Fehler bei Firmenfeiern",
                    [
                        _HELLO,
                        "vielen Dank für Ihr Interesse! Hier ist Ihr PDF „7 Fehler, die Ihre "
                        "Firmenfeier ruinieren – und wie Sie sie vermeiden“:\n"
                        "{{ download_url }}",
                        "Unser Tipp vorab: Fehler Nr. 1 ist fast immer, die Musik zu spät zu "
                        "buchen. Für Dezember sind gute Bands oft schon im Sommer vergeben.",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "vielen Dank für Ihr Interesse! Hier ist Ihr PDF „7 Fehler, die ",
                            "Ihre Firmenfeier ruinieren – und wie Sie sie vermeiden“:",
                        ),
                        _link("PDF herunterladen", "{{ download_url }}"),
                        _p(
                            "<strong>Unser Tipp vorab:</strong> Fehler Nr. 1 ist fast immer, ",
                            "die Musik zu spät zu buchen. Für Dezember sind gute Bands oft ",
                            "schon im Sommer vergeben.",
                        ),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=72,
            transactional=False,
            wording={
                "du": Wording(
                    subject="Welche Band passt zu eurem Event?",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner "
                        "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu "
                        "übertönen. Soll getanzt werden, holt eine Partyband alle auf die "
                        "Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. Viele "
                        "kombinieren: erst leise, dann laut.\n\n"
                        f"Hört euch unsere Bands an: {_SITE}/bands\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner "
                        "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu "
                        "übertönen. Soll getanzt werden, holt eine Partyband alle auf die "
                        "Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. Viele "
                        "kombinieren: erst leise, dann laut.</p>"
                        f'<p><a href="{_SITE}/bands">Hört euch unsere Bands an</a></p>'
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Welche Band passt zu Ihrem Event?",
                    [
                        _HELLO,
                        "die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner "
                        "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu "
                        "übertönen. Soll getanzt werden, holt eine Partyband alle auf die "
                        "Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. Viele "
                        "kombinieren: erst leise, dann laut.",
                        f"Hören Sie in unsere Bands hinein: {_SITE}/bands",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner ",
                            "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie ",
                            "zu übertönen. Soll getanzt werden, holt eine Partyband alle auf ",
                            "die Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. ",
                            "Viele kombinieren: erst leise, dann laut.",
                        ),
                        _link("Hören Sie in unsere Bands hinein", f"{_SITE}/bands"),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=168,
            transactional=False,
            wording={
                "du": Wording(
                    subject="Sollen wir euch ein Angebot machen?",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "plant {{ company }} gerade ein Event? Schickt uns Datum, Ort und "
                        "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                        "unverbindlichen Vorschlag samt Preis. Antwortet einfach auf diese "
                        "Mail.\n\n"
                        f"Angebot anfragen: {_SITE}/anfrage\n\n"
                        f"{_SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>plant {{ company }} gerade ein Event? Schickt uns Datum, Ort und "
                        "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                        "unverbindlichen Vorschlag samt Preis. Antwortet einfach auf diese "
                        "Mail.</p>"
                        f'<p><a href="{_SITE}/anfrage">Angebot anfragen</a></p>'
                        f"{_SIGNATURE_HTML}"
                    ),
                ),
                "sie": _words(
                    "Sollen wir Ihnen ein Angebot machen?",
                    [
                        _HELLO,
                        "plant {{ company }} gerade ein Event? Schicken Sie uns Datum, Ort und "
                        "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                        "unverbindlichen Vorschlag samt Preis. Antworten Sie einfach auf diese "
                        "Mail.",
                        f"Angebot anfragen: {_SITE}/anfrage",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "plant {{ company }} gerade ein Event? Schicken Sie uns Datum, Ort ",
                            "und Gästezahl, und wir melden uns innerhalb eines Werktags mit ",
                            "einem unverbindlichen Vorschlag samt Preis. Antworten Sie einfach ",
                            "auf diese Mail.",
                        ),
                        _link("Angebot anfragen", f"{_SITE}/anfrage"),
                    ],
                ),
            },
        ),
    ),
)

# The event-type quiz: its result was shown on the page; the mail follows it up.
QUIZ = ShippedSequence(
    key="quiz",
    name="Event-Typ-Finder – Empfehlung und Beispiele",
    trigger_event="lead.magnet_downloaded",
    trigger_filter={"magnet_type": "quiz"},
    steps=(
        ShippedStep(
            delay_hours=0,
            transactional=True,
            wording={
                "du": _words(
                    "Eure Empfehlung aus dem Event-Typ-Finder",
                    [
                        _HELLO,
                        "danke fürs Mitmachen beim Event-Typ-Finder! Die passende Besetzung "
                        "für euren Anlass ({{ event_type }}) haben wir euch auf der Seite "
                        f"empfohlen. So klingt sie live: {_SITE}/bands",
                        "Schickt uns Datum, Ort und Gästezahl, dann bekommt ihr innerhalb "
                        "eines Werktags zwei, drei konkrete Bandvorschläge mit Preis. "
                        "Antwortet einfach auf diese Mail.",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "danke fürs Mitmachen beim Event-Typ-Finder! Die passende ",
                            "Besetzung für euren Anlass ({{ event_type }}) haben wir euch auf ",
                            "der Seite empfohlen.",
                        ),
                        _link("So klingt sie live", f"{_SITE}/bands"),
                        _p(
                            "Schickt uns Datum, Ort und Gästezahl, dann bekommt ihr innerhalb ",
                            "eines Werktags zwei, drei konkrete Bandvorschläge mit Preis. ",
                            "Antwortet einfach auf diese Mail.",
                        ),
                    ],
                ),
                "sie": _words(
                    "Ihre Empfehlung aus dem Event-Typ-Finder",
                    [
                        _HELLO,
                        "vielen Dank fürs Mitmachen beim Event-Typ-Finder! Die passende "
                        "Besetzung für Ihren Anlass ({{ event_type }}) haben wir Ihnen auf der "
                        f"Seite empfohlen. So klingt sie live: {_SITE}/bands",
                        "Schicken Sie uns Datum, Ort und Gästezahl, dann erhalten Sie "
                        "innerhalb eines Werktags zwei, drei konkrete Bandvorschläge mit "
                        "Preis. Antworten Sie einfach auf diese Mail.",
                    ],
                    [
                        _p(_HELLO),
                        _p(
                            "vielen Dank fürs Mitmachen beim Event-Typ-Finder! Die passende ",
                            "Besetzung für Ihren Anlass ({{ event_type }}) haben wir Ihnen auf ",
                            "der Seite empfohlen.",
                        ),
                        _link("So klingt sie live", f"{_SITE}/bands"),
                        _p(
                            "Schicken Sie uns Datum, Ort und Gästezahl, dann erhalten Sie ",
                            "innerhalb eines Werktags zwei, drei konkrete Bandvorschläge mit ",
                            "Preis. Antworten Sie einfach auf diese Mail.",
                        ),
                    ],
                ),
            },
        ),
        ShippedStep(
            delay_hours=96,
            transactional=False,
            wording={
                "du": _words(
                    "Noch unentschlossen? Drei Fragen, die bei der Wahl helfen",
                    [
                        _HELLO,
                        "1. Soll getanzt werden oder stehen Gespräche im Vordergrund?\n"
                        "2. Wie groß ist der Raum, wie viele Gäste kommen?\n"
                        "3. Wie lange soll die Musik spielen – nur zum Empfang oder bis spät?",
                        "Mit diesen drei Antworten finden wir die Band, die passt. Antwortet "
                        "einfach auf diese Mail.",
                    ],
                    [
                        _p(_HELLO),
                        "<ol><li>Soll getanzt werden oder stehen Gespräche im Vordergrund?</li>"
                        "<li>Wie groß ist der Raum, wie viele Gäste kommen?</li>"
                        "<li>Wie lange soll die Musik spielen – nur zum Empfang oder bis "
                        "spät?</li></ol>",
                        _p(
                            "Mit diesen drei Antworten finden wir die Band, die passt. ",
                            "Antwortet einfach auf diese Mail.",
                        ),
                    ],
                ),
                "sie": _words(
                    "Noch unentschlossen? Drei Fragen, die bei der Wahl helfen",
                    [
                        _HELLO,
                        "1. Soll getanzt werden oder stehen Gespräche im Vordergrund?\n"
                        "2. Wie groß ist der Raum, wie viele Gäste kommen?\n"
                        "3. Wie lange soll die Musik spielen – nur zum Empfang oder bis spät?",
                        "Mit diesen drei Antworten finden wir die Band, die passt. Antworten "
                        "Sie einfach auf diese Mail.",
                    ],
                    [
                        _p(_HELLO),
                        "<ol><li>Soll getanzt werden oder stehen Gespräche im Vordergrund?</li>"
                        "<li>Wie groß ist der Raum, wie viele Gäste kommen?</li>"
                        "<li>Wie lange soll die Musik spielen – nur zum Empfang oder bis "
                        "spät?</li></ol>",
                        _p(
                            "Mit diesen drei Antworten finden wir die Band, die passt. ",
                            "Antworten Sie einfach auf diese Mail.",
                        ),
                    ],
                ),
            },
        ),
    ),
)

SHIPPED: tuple[ShippedSequence, ...] = (CHECKLIST, CALCULATOR, SIEBEN_FEHLER, QUIZ)


def _known(step: ShippedStep) -> set[str]:
    return {*step.earlier, *(wording.fingerprint for wording in step.wording.values())}


def _stored_steps(conn: Connection, sequence_id: uuid.UUID) -> Iterator[Any]:
    yield from conn.execute(
        text(
            "SELECT position, subject, body_text, body_html FROM mailer.steps "
            "WHERE sequence_id = :id ORDER BY position"
        ),
        {"id": sequence_id},
    )


def add_shipped_sequence(conn: Connection, sequence: ShippedSequence, form: AddressForm) -> None:
    """Store a shipped sequence, unless one of its key exists (made in the editor: kept)."""
    sequence_id = sequence_id_of(sequence.key)
    created = conn.execute(
        text(
            "INSERT INTO mailer.sequences (id, key, name, trigger_event, trigger_filter) "
            "VALUES (:id, :key, :name, :event, CAST(:filter AS jsonb)) "
            "ON CONFLICT DO NOTHING"
        ),
        {
            "id": sequence_id,
            "key": sequence.key,
            "name": sequence.name,
            "event": sequence.trigger_event,
            "filter": json.dumps(sequence.trigger_filter),
        },
    ).rowcount
    if not created:
        return
    for position, step in enumerate(sequence.steps, start=1):
        wording = step.wording[form]
        conn.execute(
            text(
                "INSERT INTO mailer.steps (sequence_id, position, delay_hours, subject, "
                "body_html, body_text, transactional) VALUES (:sequence_id, :position, "
                ":delay_hours, :subject, :body_html, :body_text, :transactional)"
            ),
            {
                "sequence_id": sequence_id,
                "position": position,
                "delay_hours": step.delay_hours,
                "subject": wording.subject,
                "body_html": wording.body_html,
                "body_text": wording.body_text,
                "transactional": step.transactional,
            },
        )


def align_shipped_texts(conn: Connection, form: AddressForm) -> int:
    """Rewrite every shipped text nobody edited to `form` (and to the current release's
    wording); how many steps and names changed. Running mailers reload a sequence whose
    version moved."""
    changed = 0
    for sequence in SHIPPED:
        sequence_id = sequence_id_of(sequence.key)
        moved = 0
        for row in _stored_steps(conn, sequence_id):
            if not 1 <= row.position <= len(sequence.steps):
                continue
            step = sequence.steps[row.position - 1]
            stored = Wording(row.subject, row.body_text, row.body_html)
            wanted = step.wording[form]
            if stored.fingerprint in _known(step) and stored != wanted:
                moved += conn.execute(
                    text(
                        "UPDATE mailer.steps SET subject = :subject, body_text = :body_text, "
                        "body_html = :body_html WHERE sequence_id = :id AND position = :position"
                    ),
                    {
                        "id": sequence_id,
                        "position": row.position,
                        "subject": wanted.subject,
                        "body_text": wanted.body_text,
                        "body_html": wanted.body_html,
                    },
                ).rowcount
        moved += conn.execute(
            text("UPDATE mailer.sequences SET name = :name WHERE id = :id AND name = ANY(:old)"),
            {"id": sequence_id, "name": sequence.name, "old": list(sequence.earlier_names)},
        ).rowcount
        if moved:
            conn.execute(
                text(
                    "UPDATE mailer.sequences SET version = version + 1, updated_at = now() "
                    "WHERE id = :id"
                ),
                {"id": sequence_id},
            )
        changed += moved
    return changed
