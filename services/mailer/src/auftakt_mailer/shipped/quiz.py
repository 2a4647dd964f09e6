"""The event-type quiz: its recommendation followed up, then three questions."""

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

__all__ = ["QUIZ"]

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
                "du": words(
                    "Eure Empfehlung aus dem Event-Typ-Finder",
                    [
                        HELLO,
                        "danke fürs Mitmachen beim Event-Typ-Finder! Die passende Besetzung "
                        "für euren Anlass ({{ event_type }}) haben wir euch auf der Seite "
                        f"empfohlen. So klingt sie live: {SITE}/bands",
                        "Schickt uns Datum, Ort und Gästezahl, dann bekommt ihr innerhalb "
                        "eines Werktags zwei, drei konkrete Bandvorschläge mit Preis. "
                        "Antwortet einfach auf diese Mail.",
                    ],
                    [
                        p(HELLO),
                        p(
                            "danke fürs Mitmachen beim Event-Typ-Finder! Die passende ",
                            "Besetzung für euren Anlass ({{ event_type }}) haben wir euch auf ",
                            "der Seite empfohlen.",
                        ),
                        link("So klingt sie live", f"{SITE}/bands"),
                        p(
                            "Schickt uns Datum, Ort und Gästezahl, dann bekommt ihr innerhalb ",
                            "eines Werktags zwei, drei konkrete Bandvorschläge mit Preis. ",
                            "Antwortet einfach auf diese Mail.",
                        ),
                    ],
                ),
                "sie": words(
                    "Ihre Empfehlung aus dem Event-Typ-Finder",
                    [
                        HELLO,
                        "vielen Dank fürs Mitmachen beim Event-Typ-Finder! Die passende "
                        "Besetzung für Ihren Anlass ({{ event_type }}) haben wir Ihnen auf der "
                        f"Seite empfohlen. So klingt sie live: {SITE}/bands",
                        "Schicken Sie uns Datum, Ort und Gästezahl, dann erhalten Sie "
                        "innerhalb eines Werktags zwei, drei konkrete Bandvorschläge mit "
                        "Preis. Antworten Sie einfach auf diese Mail.",
                    ],
                    [
                        p(HELLO),
                        p(
                            "vielen Dank fürs Mitmachen beim Event-Typ-Finder! Die passende ",
                            "Besetzung für Ihren Anlass ({{ event_type }}) haben wir Ihnen auf ",
                            "der Seite empfohlen.",
                        ),
                        link("So klingt sie live", f"{SITE}/bands"),
                        p(
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
                "du": words(
                    "Noch unentschlossen? Drei Fragen, die bei der Wahl helfen",
                    [
                        HELLO,
                        "1. Soll getanzt werden oder stehen Gespräche im Vordergrund?\n"
                        "2. Wie groß ist der Raum, wie viele Gäste kommen?\n"
                        "3. Wie lange soll die Musik spielen – nur zum Empfang oder bis spät?",
                        "Mit diesen drei Antworten finden wir die Band, die passt. Antwortet "
                        "einfach auf diese Mail.",
                    ],
                    [
                        p(HELLO),
                        "<ol><li>Soll getanzt werden oder stehen Gespräche im Vordergrund?</li>"
                        "<li>Wie groß ist der Raum, wie viele Gäste kommen?</li>"
                        "<li>Wie lange soll die Musik spielen – nur zum Empfang oder bis "
                        "spät?</li></ol>",
                        p(
                            "Mit diesen drei Antworten finden wir die Band, die passt. ",
                            "Antwortet einfach auf diese Mail.",
                        ),
                    ],
                ),
                "sie": words(
                    "Noch unentschlossen? Drei Fragen, die bei der Wahl helfen",
                    [
                        HELLO,
                        "1. Soll getanzt werden oder stehen Gespräche im Vordergrund?\n"
                        "2. Wie groß ist der Raum, wie viele Gäste kommen?\n"
                        "3. Wie lange soll die Musik spielen – nur zum Empfang oder bis spät?",
                        "Mit diesen drei Antworten finden wir die Band, die passt. Antworten "
                        "Sie einfach auf diese Mail.",
                    ],
                    [
                        p(HELLO),
                        "<ol><li>Soll getanzt werden oder stehen Gespräche im Vordergrund?</li>"
                        "<li>Wie groß ist der Raum, wie viele Gäste kommen?</li>"
                        "<li>Wie lange soll die Musik spielen – nur zum Empfang oder bis "
                        "spät?</li></ol>",
                        p(
                            "Mit diesen drei Antworten finden wir die Band, die passt. ",
                            "Antworten Sie einfach auf diese Mail.",
                        ),
                    ],
                ),
            },
        ),
    ),
)
