"""The checklist: its personal download link at once, then three tips (consent needed)."""

from __future__ import annotations

from .wording import (
    HELLO,
    SIGNATURE_HTML,
    SIGNATURE_TEXT,
    SITE,
    ShippedSequence,
    ShippedStep,
    Wording,
    link,
    p,
    words,
)

__all__ = ["CHECKLIST"]

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
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>danke für euer Interesse! Hier ist die Checkliste für euer "
                        "Firmenevent mit Live-Musik:</p>"
                        '<p><a href="{{ download_url }}">Checkliste herunterladen</a></p>'
                        "<p><strong>Bonus:</strong> Auf der letzten Seite findet ihr unseren "
                        "Zeitplan, ab wann ihr Band, Technik und Location buchen solltet.</p>"
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Hier ist Ihre Checkliste 📋 (+ Bonus)",
                    [
                        HELLO,
                        "vielen Dank für Ihr Interesse! Hier ist die Checkliste für Ihr "
                        "Firmenevent mit Live-Musik:\n{{ download_url }}",
                        "Bonus: Auf der letzten Seite finden Sie unseren Zeitplan, ab wann "
                        "Sie Band, Technik und Location buchen sollten.",
                    ],
                    [
                        p(HELLO),
                        p(
                            "vielen Dank für Ihr Interesse! Hier ist die Checkliste für Ihr ",
                            "Firmenevent mit Live-Musik:",
                        ),
                        link("Checkliste herunterladen", "{{ download_url }}"),
                        p(
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
                        f"Hört euch unsere Bands an: {SITE}/bands\n\n"
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>habt ihr Datum und Gästezahl schon fest? Dann kommt jetzt der "
                        "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                        "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach eine "
                        "Band, die die Tanzfläche füllt.</p>"
                        f'<p><a href="{SITE}/bands">Hört euch unsere Bands an</a></p>'
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Schritt 1 erledigt? Hier ist Schritt 2",
                    [
                        HELLO,
                        "stehen Datum und Gästezahl schon fest? Dann kommt jetzt der "
                        "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere "
                        "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach "
                        "eine Band, die die Tanzfläche füllt.",
                        f"Hören Sie in unsere Bands hinein: {SITE}/bands",
                    ],
                    [
                        p(HELLO),
                        p(
                            "stehen Datum und Gästezahl schon fest? Dann kommt jetzt der ",
                            "wichtigste Schritt: die Musik passend zum Abend wählen. Unsere ",
                            "Faustregel: Beim Empfang leise Akustik, zum Essen ein Duo, danach ",
                            "eine Band, die die Tanzfläche füllt.",
                        ),
                        link("Hören Sie in unsere Bands hinein", f"{SITE}/bands"),
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
                        f"Die ganze Geschichte: {SITE}/referenzen/tech-solutions\n\n"
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                        "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                        "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                        "„Die beste Feier seit Jahren“, sagt die Personalleiterin.</p>"
                        f'<p><a href="{SITE}/referenzen/tech-solutions">Die ganze Geschichte '
                        "lesen</a></p>"
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Wie Tech Solutions GmbH ihr Event geplant hat",
                    [
                        HELLO,
                        "Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei Wochen "
                        "Vorlauf und keine Band. Wir haben in zwei Tagen ein Programm gebaut: "
                        "Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. Das Ergebnis: "
                        "„Die beste Feier seit Jahren“, sagt die Personalleiterin.",
                        f"Die ganze Geschichte: {SITE}/referenzen/tech-solutions",
                    ],
                    [
                        p(HELLO),
                        p(
                            "Tech Solutions hatte für die Weihnachtsfeier 250 Gäste, drei ",
                            "Wochen Vorlauf und keine Band. Wir haben in zwei Tagen ein ",
                            "Programm gebaut: Jazz-Trio zum Dinner, danach Partyband bis 1 Uhr. ",
                            "Das Ergebnis: „Die beste Feier seit Jahren“, sagt die ",
                            "Personalleiterin.",
                        ),
                        link("Die ganze Geschichte lesen", f"{SITE}/referenzen/tech-solutions"),
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
                        f"Angebot anfragen: {SITE}/anfrage\n\n"
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>falls {{ company }} noch Musik sucht: Bei "
                        "Buchung in den nächsten 14 Tagen ist die Tontechnik inklusive. "
                        "Antwortet einfach auf diese Mail oder ruft uns an, wir melden uns "
                        "innerhalb eines Werktags mit einem Vorschlag.</p>"
                        f'<p><a href="{SITE}/anfrage">Angebot anfragen</a></p>'
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Noch am Planen? Hier ist ein Angebot",
                    [
                        HELLO,
                        "falls {{ company }} noch Musik sucht: Bei Buchung in den nächsten 14 "
                        "Tagen ist die Tontechnik inklusive. Antworten Sie einfach auf diese "
                        "Mail oder rufen Sie uns an, wir melden uns innerhalb eines Werktags "
                        "mit einem Vorschlag.",
                        f"Angebot anfragen: {SITE}/anfrage",
                    ],
                    [
                        p(HELLO),
                        p(
                            "falls {{ company }} noch Musik sucht: Bei Buchung in den nächsten ",
                            "14 Tagen ist die Tontechnik inklusive. Antworten Sie einfach auf ",
                            "diese Mail oder rufen Sie uns an, wir melden uns innerhalb eines ",
                            "Werktags mit einem Vorschlag.",
                        ),
                        link("Angebot anfragen", f"{SITE}/anfrage"),
                    ],
                ),
            },
        ),
    ),
)
