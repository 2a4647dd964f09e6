"""A rendered mail made sendable: imprint footer, unsubscribe link and RFC 8058 headers,
open pixel and click tracking (only with marketing consent), and the double-opt-in mail."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from auftakt_common.settings import AddressForm
from auftakt_common.tokens import MailLink, MailLinks

from .templates import RenderedText

__all__ = ["LinkMaker", "OutgoingMail", "compose", "double_opt_in_text"]

_HREF = re.compile(r"""href=(["'])(https?://[^"'\s>]+)\1""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    send_id: UUID
    sender: str
    recipient: str
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        return f"auftakt-send-{self.send_id}"


class LinkMaker:
    """The public links in a mail, pointing at capture, each with a signed token. Tokens
    are issued at the send's creation time, so a mail renders to the same content every
    time (a resend through an idempotent API must repeat the request exactly)."""

    def __init__(self, links: MailLinks, public_url: str) -> None:
        self._links = links
        self._base = public_url.rstrip("/")

    def confirm(self, lead_id: UUID, *, issued_at: datetime) -> str:
        token = self._links.issue("confirm", MailLink(lead_id), issued_at=issued_at)
        return f"{self._base}/v1/consent/confirm?token={token}"

    def unsubscribe(self, lead_id: UUID, send_id: UUID, *, issued_at: datetime) -> str:
        token = self._links.issue("unsubscribe", MailLink(lead_id, send_id), issued_at=issued_at)
        return f"{self._base}/v1/unsubscribe?token={token}"

    def pixel(self, lead_id: UUID, send_id: UUID, *, issued_at: datetime) -> str:
        token = self._links.issue("open", MailLink(lead_id, send_id), issued_at=issued_at)
        return f"{self._base}/v1/e/o/{token}"

    def click(self, lead_id: UUID, send_id: UUID, url: str, *, issued_at: datetime) -> str:
        token = self._links.issue("click", MailLink(lead_id, send_id, url), issued_at=issued_at)
        return f"{self._base}/v1/e/c/{token}"

    def download(self, lead_id: UUID, send_id: UUID, magnet: str, *, issued_at: datetime) -> str:
        """The personal link to a lead magnet's file (capture serves it, until it expires)."""
        link = MailLink(lead_id, send_id, magnet=magnet)
        token = self._links.issue("download", link, issued_at=issued_at)
        return f"{self._base}/v1/downloads/{token}"

    def is_download(self, url: str) -> bool:
        return url.startswith(f"{self._base}/v1/downloads/")


def _tracked(body: str, lead_id: UUID, send_id: UUID, links: LinkMaker, issued_at: datetime) -> str:
    def rewrite(match: re.Match[str]) -> str:
        quote, url = match.group(1), html.unescape(match.group(2))
        if links.is_download(url):
            # recorded as a `download` when followed; wrapped, its token would travel on
            # in `email.clicked`
            return match.group(0)
        tracked = links.click(lead_id, send_id, url, issued_at=issued_at)
        return f"href={quote}{html.escape(tracked)}{quote}"

    pixel_url = links.pixel(lead_id, send_id, issued_at=issued_at)
    pixel = (
        f'<img src="{html.escape(pixel_url)}" width="1" height="1" '
        'alt="" style="display:block;border:0">'
    )
    return _HREF.sub(rewrite, body) + pixel


def _document(subject: str, body: str, footer: str) -> str:
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;'
        'color:#222;max-width:600px;margin:0 auto;padding:16px">'
        f"{body}{footer}</body></html>"
    )


def compose(
    *,
    send_id: UUID,
    lead_id: UUID,
    recipient: str,
    rendered: RenderedText,
    sender: str,
    reply_to: str | None,
    imprint: str,
    links: LinkMaker,
    tracking: bool,
    message_domain: str,
    issued_at: datetime,
) -> OutgoingMail:
    """The mail as it leaves: tracking only when `tracking` (marketing consent given); the
    unsubscribe link and RFC 8058 one-click headers always (the confirmation mail too: its
    link ends the pending request)."""
    headers = {"Message-ID": f"<{send_id}@{message_domain}>"}
    if reply_to:
        headers["Reply-To"] = reply_to
    body = rendered.html
    if tracking:
        body = _tracked(body, lead_id, send_id, links, issued_at)
    imprint_html = "<br>".join(html.escape(line) for line in imprint.splitlines())
    footer_html = f"{imprint_html}"
    footer_text = f"\n\n-- \n{imprint}"
    url = links.unsubscribe(lead_id, send_id, issued_at=issued_at)
    headers["List-Unsubscribe"] = f"<{url}>"
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer_html += (
        f'<br>Keine E-Mails mehr von uns? <a href="{html.escape(url)}">Hier abmelden</a>.'
    )
    footer_text += f"\nKeine E-Mails mehr? Abmelden: {url}"
    footer = (
        '<hr style="border:0;border-top:1px solid #ddd;margin:24px 0 12px">'
        f'<p style="font-size:12px;color:#777">{footer_html}</p>'
    )
    return OutgoingMail(
        send_id=send_id,
        sender=sender,
        recipient=recipient,
        subject=rendered.subject,
        html=_document(rendered.subject, body, footer),
        text=rendered.text.rstrip() + footer_text + "\n",
        headers=headers,
    )


_DOI_WORDS: dict[AddressForm, dict[str, str]] = {
    "sie": {
        "subject": "Bitte bestätigen Sie Ihre Anmeldung",
        "signed_up": "Sie haben sich auf unserer Website für Tipps und Angebote rund um "
        "Live-Musik für Ihr Firmenevent angemeldet.",
        "confirm": "Bitte bestätigen Sie Ihre Anmeldung",
        "ignore": "Wenn Sie sich nicht angemeldet haben, ignorieren Sie diese E-Mail "
        "einfach: Sie erhalten dann keine weiteren Nachrichten.",
    },
    "du": {
        "subject": "Bitte bestätige deine Anmeldung",
        "signed_up": "Du hast dich auf unserer Website für Tipps und Angebote rund um "
        "Live-Musik für dein Firmenevent angemeldet.",
        "confirm": "Bitte bestätige deine Anmeldung",
        "ignore": "Wenn du dich nicht angemeldet hast, ignoriere diese E-Mail einfach: Du "
        "erhältst dann keine weiteren Nachrichten.",
    },
}


def double_opt_in_text(
    first_name: str, confirm_url: str, link_days: int, address_form: AddressForm
) -> RenderedText:
    """The confirmation mail (German, in the configured form of address): one link,
    nothing else; it is not advertising."""
    words = _DOI_WORDS[address_form]
    greeting = f"Hallo {first_name}" if first_name else "Hallo"
    valid = f"Der Link ist {link_days} Tage gültig."
    text = (
        f"{greeting},\n\n"
        f"{words['signed_up']} {words['confirm']} mit diesem Link:\n\n"
        f"{confirm_url}\n\n"
        f"{valid} {words['ignore']}\n\n"
        "Viele Grüße\nJonas von Musik für Firmen"
    )
    body = (
        f"<p>{html.escape(greeting)},</p>"
        f"<p>{words['signed_up']} {words['confirm']}:</p>"
        f'<p><a href="{html.escape(confirm_url)}" style="display:inline-block;padding:12px 20px;'
        'background:#b3261e;color:#fff;text-decoration:none;border-radius:4px">'
        "Anmeldung bestätigen</a></p>"
        f"<p>{valid} {words['ignore']}</p>"
        "<p>Viele Grüße<br>Jonas von Musik für Firmen</p>"
    )
    return RenderedText(subject=words["subject"], html=body, text=text)
