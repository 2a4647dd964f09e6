"""Capture's own words to visitors — the pages behind the links in mails, the checks of
forms, the calculator and the quiz, error pages — in the configured form of address
(`AUFTAKT_ADDRESS_FORM`, "Sie" unless set), so the website's widgets, the pages and the
mails speak alike. What the agency writes itself (forms, quizzes, the price table) is its
own, edited in the dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auftakt_common.settings import AddressForm

__all__ = ["Words", "words", "words_of"]

Words = Mapping[str, str]

_SIE: dict[str, str] = {
    # checks of form fields (the browser shows the same, from the embed's config)
    "required": "Bitte füllen Sie „{label}“ aus.",
    "email": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
    "tel": "Bitte geben Sie eine gültige Telefonnummer an.",
    "date": "Bitte geben Sie für „{label}“ ein gültiges Datum an.",
    "choice": "Bitte wählen Sie für „{label}“ eine der Möglichkeiten.",
    "domain": "Bitte geben Sie eine Web-Adresse wie firma.de an.",
    "check_one": "Bitte prüfen Sie eine Angabe: ",
    "check_many": "Bitte prüfen Sie {count} Angaben: ",
    # the calculator and the quiz
    "calculator_title": "Budget-Rechner: Was kostet Live-Musik für Ihr Event?",
    "calculator_result": "Ihr Budgetrahmen: {range}",
    "calculator_ask": "Ergebnis und passende Bandvorschläge per E-Mail erhalten",
    "quiz_ask": "Empfehlung mit Beispielen und Preisen per E-Mail erhalten",
    "pick_band": "Bitte wählen Sie eine Besetzung.",
    "pick_event": "Bitte wählen Sie einen Anlass.",
    "too_many_guests": "Für mehr als {max} Gäste beraten wir Sie gern persönlich.",
    "calculate_first": "Bitte berechnen Sie zuerst Ihr Budget.",
    "answer_question": "Bitte beantworten Sie die Frage „{question}“.",
    "answer_all": "Bitte beantworten Sie zuerst alle Fragen.",
    "pick_answer": "Bitte wählen Sie eine Antwort.",
    "result_sent": "Danke! Ihr Ergebnis ist auf dem Weg in Ihr Postfach.",
    "failed": "Das hat leider nicht geklappt. Bitte versuchen Sie es in einer Minute erneut.",
    # pages
    "thanks": "<p>Wir haben Ihre Anfrage erhalten und melden uns in Kürze bei Ihnen.</p>",
    "open_from_mail": "<p>Bitte öffnen Sie ihn direkt aus unserer E-Mail. Hat Ihr "
    "E-Mail-Programm den Link umbrochen, kopieren Sie ihn bitte vollständig in die "
    "Adresszeile Ihres Browsers.</p>",
    "open_click_from_mail": "<p>Dieser Link ist ungültig oder unvollständig. Bitte öffnen "
    "Sie ihn direkt aus unserer E-Mail.</p>",
    "try_again": "<p>Bitte versuchen Sie es in einer Minute noch einmal.</p>",
    "unsubscribed_title": "Sie wurden abgemeldet",
    "unsubscribed": "<p>Sie erhalten von uns keine Tipps und Angebote mehr per E-Mail.</p>"
    "<p>Versehentlich abgemeldet? Dann tragen Sie sich auf unserer Website einfach "
    "erneut ein.</p>",
    "confirm_expired": "<p>Bestätigungslinks sind {days} Tage gültig; Ihre Anmeldung ist "
    "daher noch nicht bestätigt.</p><p>Für einen neuen Link senden Sie das Formular auf "
    "unserer Website bitte noch einmal ab. Sie erhalten dann eine neue E-Mail, deren Link "
    "Sie innerhalb dieser Frist bestätigen können.</p>",
    "already_confirmed": "<p>Ihre E-Mail-Adresse ist bereits bestätigt: Sie erhalten unsere "
    "Tipps und Angebote per E-Mail.</p>",
    "confirmed": "<p>Vielen Dank! Ihre E-Mail-Adresse ist bestätigt: Sie erhalten ab jetzt "
    "unsere Tipps und Angebote per E-Mail.</p>",
    "unsubscribe_anytime": "<p>Abmelden können Sie sich jederzeit über den Link am Ende "
    "jeder E-Mail.</p>",
    "confirm_question": "<p>Möchten Sie unsere Tipps und Angebote per E-Mail erhalten? Dann "
    "bestätigen Sie Ihre Anmeldung bitte mit einem Klick.</p>",
    "unsubscribe_question": "<p>Möchten Sie keine Tipps und Angebote mehr von uns per "
    "E-Mail erhalten?</p>",
    "download_expired": "<p>Der Link ist abgelaufen – fordern Sie die Datei einfach erneut "
    "an.</p><p>Download-Links sind {days} Tage gültig. Senden Sie das Formular auf unserer "
    "Website noch einmal ab, dann erhalten Sie eine E-Mail mit einem neuen Link.</p>",
    "download_ask_again": "<p>Möchten Sie die Datei haben, fordern Sie sie auf unserer "
    "Website bitte neu an.</p>",
    # error pages of plain HTML forms
    "check_input": "Bitte prüfen Sie Ihre Angaben",
    "shorten": "Bitte kürzen Sie Ihre Angaben und senden Sie das Formular erneut.",
    "use_website": "Bitte senden Sie das Formular über die Website.",
    "wait": "Bitte warten Sie einen Moment und versuchen Sie es dann erneut.",
    "not_saved": "Ihre Angaben wurden nicht gespeichert. Bitte versuchen Sie es in einer "
    "Minute erneut.",
    "go_back": "<p>Bitte gehen Sie im Browser zurück und korrigieren Sie Ihre Angaben.</p>",
}

_DU: dict[str, str] = {
    "required": "Bitte fülle „{label}“ aus.",
    "email": "Bitte gib eine gültige E-Mail-Adresse an.",
    "tel": "Bitte gib eine gültige Telefonnummer an.",
    "date": "Bitte gib für „{label}“ ein gültiges Datum an.",
    "choice": "Bitte wähle für „{label}“ eine der Möglichkeiten.",
    "domain": "Bitte gib eine Web-Adresse wie firma.de an.",
    "check_one": "Bitte prüfe eine Angabe: ",
    "check_many": "Bitte prüfe {count} Angaben: ",
    "calculator_title": "Budget-Rechner: Was kostet Live-Musik für dein Event?",
    "calculator_result": "Dein Budgetrahmen: {range}",
    "calculator_ask": "Ergebnis und passende Bandvorschläge per E-Mail erhalten",
    "quiz_ask": "Empfehlung mit Beispielen und Preisen per E-Mail erhalten",
    "pick_band": "Bitte wähle eine Besetzung.",
    "pick_event": "Bitte wähle einen Anlass.",
    "too_many_guests": "Für mehr als {max} Gäste beraten wir dich gern persönlich.",
    "calculate_first": "Bitte berechne zuerst dein Budget.",
    "answer_question": "Bitte beantworte die Frage „{question}“.",
    "answer_all": "Bitte beantworte zuerst alle Fragen.",
    "pick_answer": "Bitte wähle eine Antwort.",
    "result_sent": "Danke! Dein Ergebnis ist auf dem Weg in dein Postfach.",
    "failed": "Das hat leider nicht geklappt. Bitte versuche es in einer Minute erneut.",
    "thanks": "<p>Wir haben deine Anfrage erhalten und melden uns in Kürze bei dir.</p>",
    "open_from_mail": "<p>Bitte öffne ihn direkt aus unserer E-Mail. Hat dein "
    "E-Mail-Programm den Link umbrochen, kopiere ihn bitte vollständig in die Adresszeile "
    "deines Browsers.</p>",
    "open_click_from_mail": "<p>Dieser Link ist ungültig oder unvollständig. Bitte öffne "
    "ihn direkt aus unserer E-Mail.</p>",
    "try_again": "<p>Bitte versuche es in einer Minute noch einmal.</p>",
    "unsubscribed_title": "Du wurdest abgemeldet",
    "unsubscribed": "<p>Du erhältst von uns keine Tipps und Angebote mehr per E-Mail.</p>"
    "<p>Versehentlich abgemeldet? Dann trag dich auf unserer Website einfach erneut "
    "ein.</p>",
    "confirm_expired": "<p>Bestätigungslinks sind {days} Tage gültig; deine Anmeldung ist "
    "daher noch nicht bestätigt.</p><p>Für einen neuen Link sende das Formular auf unserer "
    "Website bitte noch einmal ab. Du erhältst dann eine neue E-Mail, deren Link du "
    "innerhalb dieser Frist bestätigen kannst.</p>",
    "already_confirmed": "<p>Deine E-Mail-Adresse ist bereits bestätigt: Du erhältst unsere "
    "Tipps und Angebote per E-Mail.</p>",
    "confirmed": "<p>Vielen Dank! Deine E-Mail-Adresse ist bestätigt: Du erhältst ab jetzt "
    "unsere Tipps und Angebote per E-Mail.</p>",
    "unsubscribe_anytime": "<p>Abmelden kannst du dich jederzeit über den Link am Ende "
    "jeder E-Mail.</p>",
    "confirm_question": "<p>Möchtest du unsere Tipps und Angebote per E-Mail erhalten? Dann "
    "bestätige deine Anmeldung bitte mit einem Klick.</p>",
    "unsubscribe_question": "<p>Möchtest du keine Tipps und Angebote mehr von uns per "
    "E-Mail erhalten?</p>",
    "download_expired": "<p>Der Link ist abgelaufen – fordere die Datei einfach erneut "
    "an.</p><p>Download-Links sind {days} Tage gültig. Sende das Formular auf unserer "
    "Website noch einmal ab, dann erhältst du eine E-Mail mit einem neuen Link.</p>",
    "download_ask_again": "<p>Möchtest du die Datei haben, fordere sie auf unserer Website "
    "bitte neu an.</p>",
    "check_input": "Bitte prüfe deine Angaben",
    "shorten": "Bitte kürze deine Angaben und sende das Formular erneut.",
    "use_website": "Bitte sende das Formular über die Website.",
    "wait": "Bitte warte einen Moment und versuche es dann erneut.",
    "not_saved": "Deine Angaben wurden nicht gespeichert. Bitte versuche es in einer Minute "
    "erneut.",
    "go_back": "<p>Bitte geh im Browser zurück und korrigiere deine Angaben.</p>",
}

_WORDS: dict[AddressForm, dict[str, str]] = {"sie": _SIE, "du": _DU}


def words(form: AddressForm) -> Words:
    """Capture's words in this form of address."""
    return _WORDS[form]


def words_of(app_state: Any) -> Words:
    """The words of the running capture (a page made outside a route's dependencies:
    error handlers); "Sie" while capture is not set up."""
    capture = getattr(app_state, "capture", None)
    return words(capture.settings.address_form if capture is not None else "sie")
