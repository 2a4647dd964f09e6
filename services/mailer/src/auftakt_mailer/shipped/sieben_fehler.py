"""The „7 Fehler“ PDF at once, then two tips (consent needed)."""

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

__all__ = ["SIEBEN_FEHLER"]

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
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>danke für euer Interesse! Hier ist euer PDF „7 Fehler, die eure "
                        "Firmenfeier ruinieren – und wie ihr sie vermeidet“:</p>"
                        '<p><a href="{{ download_url }}">PDF herunterladen</a></p>'
                        "<p><strong>Unser Tipp vorab:</strong> Fehler Nr. 1 ist fast immer, die "
                        "Musik zu spät zu buchen. Für Dezember sind gute Bands oft schon im "
                        "Sommer vergeben.</p>"
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Ihr PDF: 7 Fehler bei Firmenfeiern",
                    [
                        HELLO,
                        "vielen Dank für Ihr Interesse! Hier ist Ihr PDF „7 Fehler, die Ihre "
                        "Firmenfeier ruinieren – und wie Sie sie vermeiden“:\n"
                        "{{ download_url }}",
                        "Unser Tipp vorab: Fehler Nr. 1 ist fast immer, die Musik zu spät zu "
                        "buchen. Für Dezember sind gute Bands oft schon im Sommer vergeben.",
                    ],
                    [
                        p(HELLO),
                        p(
                            "vielen Dank für Ihr Interesse! Hier ist Ihr PDF „7 Fehler, die ",
                            "Ihre Firmenfeier ruinieren – und wie Sie sie vermeiden“:",
                        ),
                        link("PDF herunterladen", "{{ download_url }}"),
                        p(
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
                        f"Hört euch unsere Bands an: {SITE}/bands\n\n"
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner "
                        "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu "
                        "übertönen. Soll getanzt werden, holt eine Partyband alle auf die "
                        "Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. Viele "
                        "kombinieren: erst leise, dann laut.</p>"
                        f'<p><a href="{SITE}/bands">Hört euch unsere Bands an</a></p>'
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Welche Band passt zu Ihrem Event?",
                    [
                        HELLO,
                        "die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner "
                        "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie zu "
                        "übertönen. Soll getanzt werden, holt eine Partyband alle auf die "
                        "Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. Viele "
                        "kombinieren: erst leise, dann laut.",
                        f"Hören Sie in unsere Bands hinein: {SITE}/bands",
                    ],
                    [
                        p(HELLO),
                        p(
                            "die richtige Besetzung hängt vom Abend ab: Zum Empfang und Dinner ",
                            "tragen ein Jazz-Trio oder ein Akustik-Duo die Gespräche, statt sie ",
                            "zu übertönen. Soll getanzt werden, holt eine Partyband alle auf ",
                            "die Tanzfläche, und ein DJ hält sie dort bis spät in die Nacht. ",
                            "Viele kombinieren: erst leise, dann laut.",
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
                    subject="Sollen wir euch ein Angebot machen?",
                    body_text=(
                        "Hallo {{ first_name }},\n\n"
                        "plant {{ company }} gerade ein Event? Schickt uns Datum, Ort und "
                        "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                        "unverbindlichen Vorschlag samt Preis. Antwortet einfach auf diese "
                        "Mail.\n\n"
                        f"Angebot anfragen: {SITE}/anfrage\n\n"
                        f"{SIGNATURE_TEXT}"
                    ),
                    body_html=(
                        "<p>Hallo {{ first_name }},</p>"
                        "<p>plant {{ company }} gerade ein Event? Schickt uns Datum, Ort und "
                        "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                        "unverbindlichen Vorschlag samt Preis. Antwortet einfach auf diese "
                        "Mail.</p>"
                        f'<p><a href="{SITE}/anfrage">Angebot anfragen</a></p>'
                        f"{SIGNATURE_HTML}"
                    ),
                ),
                "sie": words(
                    "Sollen wir Ihnen ein Angebot machen?",
                    [
                        HELLO,
                        "plant {{ company }} gerade ein Event? Schicken Sie uns Datum, Ort und "
                        "Gästezahl, und wir melden uns innerhalb eines Werktags mit einem "
                        "unverbindlichen Vorschlag samt Preis. Antworten Sie einfach auf diese "
                        "Mail.",
                        f"Angebot anfragen: {SITE}/anfrage",
                    ],
                    [
                        p(HELLO),
                        p(
                            "plant {{ company }} gerade ein Event? Schicken Sie uns Datum, Ort ",
                            "und Gästezahl, und wir melden uns innerhalb eines Werktags mit ",
                            "einem unverbindlichen Vorschlag samt Preis. Antworten Sie einfach ",
                            "auf diese Mail.",
                        ),
                        link("Angebot anfragen", f"{SITE}/anfrage"),
                    ],
                ),
            },
        ),
    ),
)
