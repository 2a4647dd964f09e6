"""Capture's rules, as pure functions: values in, values out; no session, clock or settings."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from auftakt_common.events import (
    Attribution,
    CompanyInfo,
    EncryptedContact,
    EventDetails,
    LeadSnapshot,
)
from auftakt_common.pii import scrub_emails
from auftakt_common.vault import to_text

from .schemas import LeadCreate

__all__ = [
    "ATTRIBUTION_FIELDS",
    "CONTACT_FIELDS",
    "MAGNET_ACTIVITIES",
    "MARKETING_EMAIL",
    "ActivityTooOld",
    "activity_time",
    "attribution_of",
    "content_disposition",
    "fill_empty",
    "is_allowed_redirect",
    "lead_profile",
    "magnet_use",
    "origin_of",
    "snapshot",
    "truncate_ip",
]

MARKETING_EMAIL = "marketing_email"  # the consent-ledger purpose of marketing mail
# lead magnets used on the page: one use per visitor (or lead) and magnet is recorded; a
# quiz clicked again after its result, or the calculator run again, is not a new signal
MAGNET_ACTIVITIES = ("budget_calculator_used", "quiz_completed")
CONTACT_FIELDS = ("first_name", "last_name", "phone")  # sealed; e-mail is the identity
ATTRIBUTION_FIELDS = (
    "source",
    "medium",
    "campaign",
    "referrer",
    "landing_page",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
)
PROFILE_FIELDS = (
    "company_name",
    "company_size",
    "company_industry",
    "company_domain",
    "event_type",
    "event_date",
    "guest_count",
    "budget_min",
    "budget_max",
    "location",
)
MAX_ACTIVITY_AGE = timedelta(days=30)


class ActivityTooOld(ValueError):
    """An activity claims to be older than we accept from a browser."""


def magnet_use(activity_type: str, detail: Mapping[str, Any] | None) -> str | None:
    """Which magnet an activity is a use of ("quiz_completed:eventtyp"); None if none."""
    if activity_type not in MAGNET_ACTIVITIES:
        return None
    quiz = (detail or {}).get("quiz_id")
    return f"{activity_type}:{quiz}" if isinstance(quiz, str) and quiz else activity_type


def truncate_ip(address: str | None) -> str | None:
    """The network an address belongs to (IPv4 /24, IPv6 /48): enough for geo and abuse
    analysis, not enough to identify a person."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        explicit_port = parts.port
    except ValueError:  # a port that is not a number or out of range
        return None
    port = f":{explicit_port}" if explicit_port and explicit_port != default_port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def is_allowed_redirect(url: str, allowed_origins: Iterable[str]) -> bool:
    """Only absolute http(s) URLs on one of the configured website origins: no open redirect."""
    origin = origin_of(url)
    return origin is not None and origin in {o.rstrip("/").lower() for o in allowed_origins}


def content_disposition(filename: str) -> str:
    """`attachment` under the file's name (RFC 6266): a quoted ASCII name every browser
    reads, and the exact name as `filename*` when it has other characters."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    header = f'attachment; filename="{fallback or "download"}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def attribution_of(submission: LeadCreate) -> dict[str, str | None]:
    """The submission's attribution; e-mail addresses in URLs (`?email=…`) are removed."""
    return {name: _without_emails(getattr(submission, name)) for name in ATTRIBUTION_FIELDS}


def _without_emails(value: str | None) -> str | None:
    return None if value is None else scrub_emails(value)


def lead_profile(submission: LeadCreate) -> dict[str, Any]:
    """The non-personal columns a submission offers: company and event details."""
    return {name: getattr(submission, name) for name in PROFILE_FIELDS}


def fill_empty(current: Mapping[Any, Any], offered: Mapping[str, Any]) -> dict[str, Any]:
    """The values a repeat submission adds: only where the lead has nothing yet
    (`current`: the stored row, any mapping of its column names)."""
    return {
        name: value
        for name, value in offered.items()
        if value is not None and current.get(name) is None
    }


def activity_time(claimed: datetime | None, received_at: datetime) -> datetime:
    """When an activity happened: the browser's time, but never in the future (clocks
    drift) and not older than `MAX_ACTIVITY_AGE`."""
    if claimed is None or claimed > received_at:
        return received_at
    if received_at - claimed > MAX_ACTIVITY_AGE:
        raise ActivityTooOld(f"must be within the last {MAX_ACTIVITY_AGE.days} days")
    return claimed


def _sealed(value: bytes | None) -> str | None:
    return None if value is None else to_text(value)


def snapshot(lead: Mapping[Any, Any]) -> LeadSnapshot:
    """The event form of a stored lead row (PII stays sealed)."""
    return LeadSnapshot(
        contact=EncryptedContact(
            email=to_text(lead["email_ct"]),
            first_name=_sealed(lead["first_name_ct"]),
            last_name=_sealed(lead["last_name_ct"]),
            phone=_sealed(lead["phone_ct"]),
        ),
        company=CompanyInfo(
            name=lead["company_name"],
            size=lead["company_size"],
            industry=lead["company_industry"],
            domain=lead["company_domain"],
        ),
        event=EventDetails(
            type=lead["event_type"],
            date=lead["event_date"],
            guest_count=lead["guest_count"],
            budget_min=lead["budget_min"],
            budget_max=lead["budget_max"],
            location=lead["location"],
        ),
        first_touch=Attribution(**{name: lead[name] for name in ATTRIBUTION_FIELDS}),
        consent_marketing=lead["consent_marketing"],
        created_at=lead["created_at"],
    )
