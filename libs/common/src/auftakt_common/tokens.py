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


_signer_now: ContextVar[int | None] = ContextVar("mail_link_signer_now", default=None)


class _GivenTimeSigner(TimestampSigner):
    """Takes the time the caller gives as now: a mail's issue time when signing (so one
    mail renders to the same bytes every time it is rendered), the time of the check when
    verifying (so expiry is tested without waiting); else the clock."""

    def get_timestamp(self) -> int:
        given = _signer_now.get()
        return super().get_timestamp() if given is None else given


class _MailLinkSerializer(URLSafeTimedSerializer):
    """Uncompressed payloads: a mail link's payload is two ids (and a URL or a name), which
    zlib barely shortens; trying costs more than signing (the reader accepts both forms)."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(TimedSerializer.dump_payload(self, obj))


@dataclass(frozen=True, slots=True)
class MailLink:
    """What a link in a mail names: the lead, the send it came in, for a click the address
    it leads to (signed with the rest, so the redirect cannot be pointed elsewhere), and
    for a download the lead magnet whose file it fetches."""

    lead_id: UUID
    send_id: UUID | None = None
    url: str | None = None
    magnet: str | None = None


class MailLinks:
    """The signed tokens in the links of Auftakt's mails, one purpose each: `confirm`
    (double opt-in, expires), `unsubscribe`, `open` (tracking pixel), `click`, `download`
    (a lead magnet's file, expires). The mailer issues them; capture, which serves the
    links, verifies them. A token never carries an e-mail address."""

    PURPOSES = ("confirm", "unsubscribe", "open", "click", "download")

    def __init__(self, signing_key: bytes) -> None:
        self._serializers = {
            purpose: _MailLinkSerializer(
                signing_key, salt=f"auftakt.mail.{purpose}", signer=_GivenTimeSigner
            )
            for purpose in self.PURPOSES
        }

    def issue(self, purpose: str, link: MailLink, *, issued_at: datetime | None = None) -> str:
        """A token for `link`; `issued_at` fixes its time (expiry counts from it)."""
        # the elements in the order they were added, so tokens issued before still verify
        payload = [
            link.lead_id.hex,
            link.send_id.hex if link.send_id else None,
            link.url,
            link.magnet,
        ]
        while payload and payload[-1] is None:
            payload.pop()
        reset = _signer_now.set(int(issued_at.timestamp()) if issued_at else None)
        try:
            return str(self._serializers[purpose].dumps(payload))
        finally:
            _signer_now.reset(reset)

    def verify(
        self,
        purpose: str,
        token: str,
        *,
        max_age_seconds: int | None = None,
        now: datetime | None = None,
    ) -> MailLink:
        """The link a token names; `TokenInvalid` ("expired" or "invalid") otherwise.
        Expiry counts from the token's issue time to `now` (default: the clock)."""
        reset = _signer_now.set(int(now.timestamp()) if now else None)
        try:
            value = self._serializers[purpose].loads(token, max_age=max_age_seconds)
            if not isinstance(value, list) or not 1 <= len(value) <= 4:
                raise ValueError("unexpected payload")
            lead, send, url, magnet = [*value, None, None, None][:4]
            return MailLink(
                lead_id=UUID(hex=str(lead)),
                send_id=UUID(hex=str(send)) if send else None,
                url=str(url) if url else None,
                magnet=str(magnet) if magnet else None,
            )
        except SignatureExpired as exc:
            raise TokenInvalid("expired") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise TokenInvalid("invalid") from exc
        finally:
            _signer_now.reset(reset)
