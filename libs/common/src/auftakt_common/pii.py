"""Finding personal data in free text: for logs, and for URLs and details we store."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["scrub", "scrub_emails", "scrub_emails_deep"]

_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w-])(?:\+|00|0)\d[\d \-/()]{6,}\d(?![\w-])")


def scrub_emails(text: str) -> str:
    """Replace e-mail addresses (also percent-encoded, as in URLs) with `[email]`."""
    return _EMAIL.sub("[email]", text)


def scrub(text: str) -> str:
    """Remove e-mail addresses and phone numbers from free text (log lines)."""
    return _PHONE.sub("[phone]", scrub_emails(text))


def scrub_emails_deep(value: Any) -> Any:
    """`scrub_emails` on every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        return scrub_emails(value)
    if isinstance(value, dict):
        return {scrub_emails_deep(k): scrub_emails_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_emails_deep(item) for item in value]
    return value
