"""Capture's HTTP endpoints: leads, activities, health, and the German thank-you page."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import structlog
from auftakt_common.events import utc_now
from auftakt_common.http import correlation_id_of
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from . import repository as repo
from .context import Capture
from .deps import BodyTooLarge, CaptureDep, client_ip, parse_form, read_body
from .domain import is_allowed_redirect
from .intake import InvalidField
from .openapi import schema_ref
from .problems import (
    FORM_RULE,
    FORM_TYPES,
    FieldError,
    field_errors,
    is_html_form,
    page,
    problem,
)
from .schemas import (
    ActivityAccepted,
    ActivityBatch,
    ActivityCreate,
    LeadAccepted,
    LeadCreate,
    loads_json,
)
from .submissions import berlin_today, prepared_submission

__all__ = ["BODY_MODELS", "router"]

_log = structlog.get_logger("auftakt.capture")

router = APIRouter()


class _Unreadable(ValueError):
    """A body we cannot store as sent; names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _decode_json(body: bytes) -> Any:
    try:
        return loads_json(body or b"null")
    except json.JSONDecodeError as exc:
        raise _Unreadable("body", "is not valid JSON") from exc
    except (ValueError, RecursionError) as exc:  # NaN, 1e400, ints past the digit limit
        raise _Unreadable("body", str(exc) or "is not valid JSON") from exc


_MAX_DEPTH = 32


def _reject_nul(data: Any, path: str = "", depth: int = 0) -> None:
    """Refuse what PostgreSQL cannot store (NUL characters, lone surrogates) or what is
    nested absurdly deep, naming where, instead of failing at the database."""
    if depth > _MAX_DEPTH:
        raise _Unreadable(path or "body", f"must not be nested deeper than {_MAX_DEPTH}")
    if isinstance(data, str):
        if "\x00" in data:
            raise _Unreadable(path or "body", "must not contain NUL characters")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Unreadable(path or "body", "is not valid Unicode") from exc
    elif isinstance(data, dict):
        for key, value in data.items():
            _reject_nul(key, path or "body", depth + 1)
            _reject_nul(value, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _reject_nul(item, f"{path}[{index}]", depth + 1)


def _origin_allowed(request: Request, allowed: list[str]) -> bool:
    """Whether a browser's request comes from one of the website origins (or capture's
    own pages); requests without an Origin (servers, scripts) are not a browser's."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own or origin in allowed


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _rate_limited(request: Request, capture: Capture, scope: str) -> Response | None:
    retry_after = await capture.rate_limits.retry_after(scope, client_ip(request) or "unknown")
    if retry_after is None:
        return None
    return problem(request, 429, "too many requests", headers={"Retry-After": str(retry_after)})


def _too_large(request: Request, limit: int) -> Response:
    return problem(request, 413, f"request body is larger than {limit} bytes")


# the bodies the routes read themselves and document by reference (app.py puts them into
# the document's components)
BODY_MODELS = (LeadCreate, ActivityCreate, ActivityBatch)

_LEAD_TYPES = ("application/json", *FORM_TYPES)
_LEAD_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            content_type: {"schema": schema_ref(LeadCreate)} for content_type in _LEAD_TYPES
        },
    }
}


@router.post(
    "/v1/leads",
    status_code=201,
    response_model=LeadAccepted,
    openapi_extra=_LEAD_BODY_DOC,
    summary="Submit a lead (JSON, or a plain HTML form that is redirected to its thank-you page)",
    responses={
        303: {"description": "HTML form: redirect to the thank-you page"},
        413: {},
        415: {},
        422: {},
        429: {},
        503: {},
    },
)
async def create_lead(request: Request, capture: CaptureDep) -> Response:
    if limited := await _rate_limited(request, capture, "lead"):
        return limited
    content_type = _content_type(request)
    if content_type not in _LEAD_TYPES:
        return problem(request, 415, f"send one of: {', '.join(_LEAD_TYPES)}")
    limit = capture.settings.capture_max_lead_body_bytes
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        return _too_large(request, limit)

    data: Any
    try:
        if content_type == "application/json":
            data = _decode_json(body)
        else:
            data = dict(await parse_form(request, body))
            for name, value in data.items():
                if isinstance(value, str) and "\ufffd" in value:  # undecodable bytes
                    raise _Unreadable(name, "is not UTF-8 (send forms with accept-charset=UTF-8)")
        _reject_nul(data)
    except _Unreadable as exc:
        return problem(request, 422, "unreadable lead", [FieldError(exc.field, str(exc))])
    if not isinstance(data, dict):
        return problem(request, 422, "invalid lead", [FieldError("body", "must be an object")])
    content = await capture.content.get()
    prepared = prepared_submission(content, data, today=berlin_today(), words=capture.words)
    if isinstance(prepared, list):
        return problem(request, 422, "invalid lead", prepared)
    try:
        submission = LeadCreate.model_validate(prepared)
    except ValidationError as exc:
        errors = field_errors(exc)
        if str(data.get("form_id") or "") in content.forms:  # its people read German
            errors = [FieldError(e.field, e.in_german(), FORM_RULE) for e in errors]
        return problem(request, 422, "invalid lead", errors)

    origins = capture.settings.capture_allowed_origins
    if submission.thank_you_url and not is_allowed_redirect(submission.thank_you_url, origins):
        return problem(
            request,
            422,
            "invalid lead",
            [FieldError("thank_you_url", "must be an absolute URL on an allowed website origin")],
        )

    if submission.is_bot:
        _log.info("honeypot filled, submission dropped", form_id=submission.form_id)
        submission_id, lead_token = uuid4(), capture.intake.lead_token(uuid4())
    else:
        async with capture.relay.transaction() as conn:
            submitted = await capture.intake.submit_lead(
                conn,
                submission,
                client_ip=client_ip(request),
                now=utc_now(),
                correlation_id=correlation_id_of(request.scope),
            )
        _log.info(
            "lead submitted",
            lead_id=str(submitted.lead_id),
            outcome=submitted.outcome,
            changed=submitted.changed_fields,
            consent_requested=submitted.consent_requested,
        )
        submission_id, lead_token = (
            submitted.submission_id,
            capture.intake.lead_token(submitted.lead_id),
        )

    if is_html_form(request):
        target = submission.thank_you_url or str(request.url_for("thank_you"))
        return RedirectResponse(target, status_code=303)
    accepted = LeadAccepted(submission_id=submission_id, lead_token=lead_token)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=201)


_ACTIVITY_TYPES = ("application/json", "text/plain")


@router.post(
    "/v1/activities",
    status_code=202,
    response_model=ActivityAccepted,
    summary="Record one activity or a batch (JSON; text/plain JSON for navigator.sendBeacon)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"anyOf": [schema_ref(ActivityCreate), schema_ref(ActivityBatch)]}
                },
            },
        }
    },
    responses={413: {}, 415: {}, 422: {}, 429: {}, 503: {}},
)
async def record_activities(request: Request, capture: CaptureDep) -> Response:
    if limited := await _rate_limited(request, capture, "activity"):
        return limited
    if not _origin_allowed(request, capture.settings.capture_allowed_origins):
        # refused, not stored: a browser would hide our answer from the snippet, which then
        # sends the batch again — stored twice
        return problem(
            request, 403, "this website's origin is not in AUFTAKT_CAPTURE_ALLOWED_ORIGINS"
        )
    if _content_type(request) not in _ACTIVITY_TYPES:
        return problem(request, 415, f"send one of: {', '.join(_ACTIVITY_TYPES)}")
    limit = capture.settings.capture_max_activity_body_bytes
    try:
        body = await read_body(request, limit)
        data = _decode_json(body)
        if isinstance(data, list):
            data = {"activities": data}
        elif isinstance(data, dict) and "activities" not in data:
            data = {"activities": [data]}
        _reject_nul(data)
    except BodyTooLarge:
        return _too_large(request, limit)
    except _Unreadable as exc:
        return problem(request, 422, "unreadable activities", [FieldError(exc.field, str(exc))])
    try:
        batch = ActivityBatch.model_validate(data)
    except ValidationError as exc:
        return problem(request, 422, "invalid activities", field_errors(exc))

    try:
        async with capture.relay.transaction() as conn:
            recorded = await capture.intake.record_activities(
                conn,
                batch.activities,
                client_ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                now=utc_now(),
                correlation_id=correlation_id_of(request.scope),
            )
    except InvalidField as exc:
        return problem(request, 422, "invalid activities", [FieldError(exc.field, str(exc))])
    accepted = ActivityAccepted(accepted=recorded.accepted, ignored=recorded.ignored)
    return JSONResponse(accepted.model_dump(), status_code=202)


@router.get("/danke", name="thank_you", include_in_schema=False)
async def thank_you(capture: CaptureDep) -> Response:
    return page("Vielen Dank!", capture.words["thanks"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: PostgreSQL answers; NATS and outbox backlog reported")
async def readyz(capture: CaptureDep) -> Response:
    async with capture.engine.connect() as conn:
        await repo.ping(conn)
    return JSONResponse({"status": "ready", "nats_connected": capture.relay.connected})
