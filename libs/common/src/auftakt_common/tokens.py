"""Signed, URL-safe tokens that name a lead without revealing anything about it."""

from __future__ import annotations

from uuid import UUID

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["LeadTokens", "TokenInvalid"]


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
