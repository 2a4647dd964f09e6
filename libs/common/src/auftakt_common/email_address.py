"""E-mail addresses as Auftakt checks them wherever one is typed in: the syntax rules of
the `email_validator` library without a DNS lookup (what capture's lead schema checks
with), so a staff account's address passes or fails as a lead's does, and a refusal
names the problem in German."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from .german_errors import SaidInGerman

__all__ = ["EmailAddressInvalid", "checked_email"]

# the library's English reasons (by a phrase they contain) in German, first match wins
_REASONS = (
    ("at-sign (@) character instead", "Statt des @ steht ein anderes Zeichen."),
    ("commercial at", "Statt des @ steht ein anderes Zeichen."),
    ("must have an @-sign", "Das @-Zeichen fehlt."),
    ("something before the @-sign", "Vor dem @ fehlt der Name."),
    ("something after the @-sign", "Nach dem @ fehlt die Domain."),
    ("too long", "Die Adresse ist zu lang."),
    ("should have a period", "Nach dem @ fehlt eine Domain mit Punkt (wie firma.de)."),
    ("special-use or reserved", "Die Domain nach dem @ ist reserviert und empfängt keine E-Mails."),
    ("top-level domain", "Die Domain nach dem @ hat keine gültige Endung (wie .de)."),
    ("after the @-sign", "Die Domain nach dem @ enthält unzulässige Zeichen."),
    ("before the @-sign", "Vor dem @ stehen unzulässige Zeichen."),
    ("period", "Ein Punkt steht an einer unzulässigen Stelle."),
    ("hyphen", "Ein Bindestrich steht an einer unzulässigen Stelle."),
)
_UNSPECIFIED = "Die Adresse enthält unzulässige Zeichen."


class EmailAddressInvalid(SaidInGerman):
    """Not an e-mail address; the message says in German what is wrong."""


def _reason(error: EmailNotValidError) -> str:
    text = str(error)
    return next((german for phrase, german in _REASONS if phrase in text), _UNSPECIFIED)


def checked_email(text: str) -> str:
    """The address in its normal form (domain in lower case), or `EmailAddressInvalid`."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise EmailAddressInvalid(f"keine gültige E-Mail-Adresse: {_reason(exc)}") from exc
