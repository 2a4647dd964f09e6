"""What a shipped sequence is made of: its steps' wording in both forms of address, and
the few pieces every shipped text shares (site, signature, greeting)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from auftakt_common.settings import AddressForm

__all__ = [
    "HELLO",
    "SIGNATURE_HTML",
    "SIGNATURE_TEXT",
    "SITE",
    "ShippedSequence",
    "ShippedStep",
    "Wording",
    "link",
    "p",
    "sequence_id_of",
    "words",
]

SITE = "https://www.musikfuerfirmen.de"
SIGNATURE_TEXT = "Viele Grüße\nJonas von Musik für Firmen\nTel. 030 555 010 10"
SIGNATURE_HTML = "<p>Viele Grüße<br>Jonas von Musik für Firmen<br>Tel. 030 555 010 10</p>"


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


def words(subject: str, paragraphs: list[str], html: list[str]) -> Wording:
    """A mail from its paragraphs: text as given, HTML as given (links and emphasis)."""
    return Wording(
        subject=subject,
        body_text="\n\n".join([*paragraphs, SIGNATURE_TEXT]),
        body_html="".join([*html, SIGNATURE_HTML]),
    )


def p(*lines: str) -> str:
    return "<p>" + "".join(lines) + "</p>"


def link(label: str, url: str) -> str:
    return f'<p><a href="{url}">{label}</a></p>'


HELLO = "Hallo {{ first_name }},"
