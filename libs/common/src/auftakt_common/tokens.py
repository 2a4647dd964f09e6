"""Signed, URL-safe tokens that name a lead without revealing anything about it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimedSerializer,
    TimestampSigner,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_encode

__all__ = ["LeadTokens", "MailLink", "MailLinks", "TokenInvalid"]


class TokenInvalid(Exception):
    """Forged, tampered, expired, or made for another purpose."""


class LeadTokens:
    """Tokens for one purpose (`lead`, `unsubscribe`, `confirm` …); a token made for one
    purpose does not verify for another."""

    def __init__(self, signing_key: bytes, purpose: str) -> None:
        self._serializer = URLSafeTimedSerializer(signing_key, salt=f"auftakt.{purpose}")

    def issue(self, lead_id: UUID) -> str:
        return str(self._serializer.dumps(lead_id.hex))

    def verify(self, token: str, *, max_age_seconds: int | None = None) -> UUID:
        try:
            value = self._serializer.loads(token, max_age=max_age_seconds)
            return UUID(hex=str(value))
        except SignatureExpired as exc:
            raise TokenInvalid("expired") from exc
        except (BadSignature, ValueError) as exc:
            raise TokenInvalid("invalid") from exc


_issued_at: ContextVar[int | None] = ContextVar("mail_link_issued_at", default=None)


class _IssuedAtSigner(TimestampSigner):
    """Signs with the issue time the caller gives (so one mail renders to the same bytes
    every time it is rendered), else now."""

    def get_timestamp(self) -> int:
        issued = _issued_at.get()
        return super().get_timestamp() if issued is None else issued


class _MailLinkSerializer(URLSafeTimedSerializer):
    """Uncompressed payloads: a mail link's payload is two ids (and a URL), which zlib
    barely shortens; trying costs more than signing (the reader accepts both forms)."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(TimedSerializer.dump_payload(self, obj))


@dataclass(frozen=True, slots=True)
class MailLink:
    """What a link in a mail names: the lead, the send it came in, and for a click the
    address it leads to (signed with the rest, so the redirect cannot be pointed
    elsewhere)."""

    lead_id: UUID
    send_id: UUID | None = None
    url: str | None = None


class MailLinks:
    """The signed tokens in the links of Auftakt's mails, one purpose each: `confirm`
    (double opt-in, expires), `unsubscribe`, `open` (tracking pixel), `click`. The mailer
    issues them; capture, which serves the links, verifies them. A token never carries
    an e-mail address."""

    PURPOSES = ("confirm", "unsubscribe", "open", "click")

    def __init__(self, signing_key: bytes) -> None:
        self._serializers = {
            purpose: _MailLinkSerializer(
                signing_key, salt=f"auftakt.mail.{purpose}", signer=_IssuedAtSigner
            )
            for purpose in self.PURPOSES
        }

    def issue(self, purpose: str, link: MailLink, *, issued_at: datetime | None = None) -> str:
        """A token for `link`; `issued_at` fixes its time (expiry counts from it)."""
        payload = [link.lead_id.hex, link.send_id.hex if link.send_id else None, link.url]
        while payload and payload[-1] is None:
            payload.pop()
        reset = _issued_at.set(int(issued_at.timestamp()) if issued_at else None)
        try:
            return str(self._serializers[purpose].dumps(payload))
        finally:
            _issued_at.reset(reset)

    def verify(self, purpose: str, token: str, *, max_age_seconds: int | None = None) -> MailLink:
        try:
            value = self._serializers[purpose].loads(token, max_age=max_age_seconds)
            if not isinstance(value, list) or not 1 <= len(value) <= 3:
                raise ValueError("unexpected payload")
            lead, send, url = [*value, None, None][:3]
            return MailLink(
                lead_id=UUID(hex=str(lead)),
                send_id=UUID(hex=str(send)) if send else None,
                url=str(url) if url else None,
            )
        except SignatureExpired as exc:
            raise TokenInvalid("expired") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise TokenInvalid("invalid") from exc
