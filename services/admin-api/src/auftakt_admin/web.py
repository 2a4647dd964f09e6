"""The dashboard's pages: login, dashboard, lead list, lead detail and its quick
actions (the analysis asks enrichment). Server-rendered; every change is a form post
with the CSRF token, answered by a redirect (so reloading never posts twice)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from auftakt_common.commands import CompanyProfile
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from . import accounts
from .charts import bar_chart, funnel_chart
from .deps import SESSION_COOKIE, AdminDep, StaffDep, admin_of
from .domain import ACTIVITY_WINDOWS, PIPELINE, SCORE_BANDS, SORTS, PipelineMoveInvalid
from .editors import error_text
from .enrichment_queries import current_analyst
from .filters import FilterInvalid, parse_list_request
from .lead_detail import LeadDetail, lead_detail
from .owners import is_silent
from .pages import render
from .pipeline import LeadNotFound, add_note, assign, change_status, request_erasure
from .queries import dashboard
from .service import AdminService

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
_LOGIN_CSRF_COOKIE = "auftakt_login_csrf"


def _local_target(target: str | None) -> str:
    """Only our own pages after login: never an open redirect."""
    if not target or not target.startswith("/admin") or target.startswith("//"):
        return "/admin"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    csrf = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, csrf=csrf, next=_local_target(next), error=None)
    _set_login_csrf(request, response, csrf)
    return response


def _set_login_csrf(request: Request, response: Response, csrf: str) -> None:
    response.set_cookie(
        _LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=admin_of(request).settings.secure_cookies,
        path="/admin/login",
    )


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin",
) -> Response:
    service = admin_of(request)
    settings = service.settings
    now = service.clock()

    def refused(message: str, status_code: int, headers: dict[str, str] | None = None) -> Response:
        csrf = secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            None,
            status_code=status_code,
            csrf=csrf,
            next=_local_target(next),
            error=message,
            email=email,
        )
        _set_login_csrf(request, response, csrf)
        response.headers.update(headers or {})
        return response

    if not accounts.csrf_matches(request.cookies.get(_LOGIN_CSRF_COOKIE, ""), csrf_token):
        return refused("Die Anmeldeseite war veraltet – bitte noch einmal versuchen.", 403)
    client = request.client.host if request.client else "unknown"
    try:
        async with service.engine.begin() as conn:
            user = await accounts.authenticate(
                conn,
                email=email,
                password=password,
                client=client,
                now=now,
                window=timedelta(minutes=settings.admin_login_window_minutes),
                per_account=settings.admin_login_failures_per_account,
                per_client=settings.admin_login_failures_per_client,
            )
            token, _ = await accounts.start_session(
                conn, user.id, now=now, idle=timedelta(minutes=settings.admin_session_idle_minutes)
            )
    except accounts.LoginThrottled as exc:
        minutes = max(1, exc.retry_after // 60)
        return refused(
            f"Zu viele Fehlversuche – bitte in {minutes} Minuten erneut versuchen.",
            429,
            {"Retry-After": str(exc.retry_after)},
        )
    except accounts.LoginRefused:
        async with service.engine.begin() as conn:
            await accounts.record_login_failure(conn, email=email, client=client, now=now)
        return refused("E-Mail-Adresse oder Passwort ist falsch.", 401)
    target = "/admin/password" if user.must_change_password else _local_target(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.admin_session_max_hours * 3600,
        path="/",
    )
    response.delete_cookie(_LOGIN_CSRF_COOKIE, path="/admin/login")
    return response


@router.post("/logout")
async def logout(request: Request, principal: StaffDep) -> Response:
    service = admin_of(request)
    if principal.session_token:
        async with service.engine.begin() as conn:
            await accounts.end_session(conn, principal.session_token)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password")
async def password_page(request: Request, principal: StaffDep) -> Response:
    return render(request, "password.html", principal, error=None)


@router.post("/password")
async def change_password(
    request: Request,
    principal: StaffDep,
    current: Annotated[str, Form(max_length=1000)],
    new: Annotated[str, Form(max_length=1000)],
    repeated: Annotated[str, Form(max_length=1000)],
) -> Response:
    service = admin_of(request)
    settings = service.settings
    error = None
    client = request.client.host if request.client else "unknown"
    if new != repeated:
        error = "Die beiden neuen Passwörter stimmen nicht überein."
    else:
        try:
            async with service.engine.begin() as conn:
                await accounts.authenticate(
                    conn,
                    email=principal.user.email,
                    password=current,
                    client=client,
                    now=service.clock(),
                    window=timedelta(minutes=settings.admin_login_window_minutes),
                    per_account=settings.admin_login_failures_per_account,
                    per_client=settings.admin_login_failures_per_client,
                )
                await accounts.set_password(conn, principal.user.id, new)
        except accounts.LoginRefused:
            async with service.engine.begin() as conn:
                await accounts.record_login_failure(
                    conn, email=principal.user.email, client=client, now=service.clock()
                )
            error = "Das bisherige Passwort ist falsch."
        except accounts.LoginThrottled:
            error = "Zu viele Fehlversuche – bitte später erneut versuchen."
        except accounts.AccountInvalid as exc:
            error = str(exc)
    if error:
        return render(request, "password.html", principal, status_code=422, error=error)
    return RedirectResponse("/admin?done=password", status_code=303)


@router.get("")
async def dashboard_page(request: Request, principal: StaffDep) -> Response:
    service = admin_of(request)
    async with service.engine.connect() as conn:
        board = await dashboard(conn, service.keys, now=service.clock())
    return render(
        request,
        "dashboard.html",
        principal,
        board=board,
        daily_chart=bar_chart(board.daily_new),
        funnel=funnel_chart(board.by_status),
    )


@router.get("/leads")
async def leads_page(request: Request, principal: StaffDep) -> Response:
    service = admin_of(request)
    async with service.engine.connect() as conn:
        users = await accounts.list_users(conn)
        try:
            wanted = parse_list_request(request.query_params, service.keys.vault)
        except FilterInvalid as exc:
            return render(
                request,
                "leads.html",
                principal,
                status_code=422,
                page=None,
                params=dict(request.query_params),
                error=f"{exc.field}: {exc}",
                users=users,
                options=_list_options(),
            )
        page = await wanted.page(conn, service.keys, now=service.clock())
    return render(
        request,
        "leads.html",
        principal,
        page=page,
        params=wanted.params,
        error=None,
        users=users,
        options=_list_options(),
        first_page=wanted.cursor is None,
    )


def _list_options() -> dict[str, object]:
    return {
        "score_bands": list(SCORE_BANDS),
        "activity_windows": list(ACTIVITY_WINDOWS),
        "statuses": PIPELINE,
        "sorts": SORTS,
    }


async def _lead_page(
    request: Request, principal: StaffDep, lead_id: UUID, status_code: int = 200, **context: Any
) -> Response:
    service = admin_of(request)
    sequences = await service.sequence_titles.get(service.owners)
    async with service.engine.connect() as conn:
        lead = await lead_detail(conn, service.keys, lead_id, sequences=sequences)
        users = await accounts.list_users(conn)
        analyst = await current_analyst(conn, lead.analysis if lead else None)
    if lead is None:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).")
    return render(
        request,
        "lead.html",
        principal,
        status_code=status_code,
        lead=lead,
        enrichment=await _enrichment_state(service, lead),
        users=[u for u in users if u.active],
        statuses=PIPELINE,
        analyst=analyst,
        done=request.query_params.get("done"),
        error=request.query_params.get("error"),
        **{"analysis_error": None, **context},
    )


async def _enrichment_state(service: AdminService, lead: LeadDetail) -> CompanyProfile | None:
    """Enrichment's word on the lead's company while the read model has no facts of it
    (still working, or given up and why); None when it has them or enrichment is silent."""
    if lead.company_id is None or (lead.company is not None and lead.company.name):
        return None
    reply = await service.owners.company({"company_id": str(lead.company_id)}, timeout=1.0)
    return reply.data if reply.ok else None


@router.get("/leads/{lead_id}")
async def lead_page(request: Request, principal: StaffDep, lead_id: UUID) -> Response:
    return await _lead_page(request, principal, lead_id)


def _back(lead_id: UUID, **outcome: str) -> Response:
    query = "&".join(f"{k}={v}" for k, v in outcome.items())
    return RedirectResponse(f"/admin/leads/{lead_id}?{query}", status_code=303)


async def _lead_action(request: Request, lead_id: UUID, done: str, action) -> Response:  # type: ignore[no-untyped-def]
    service = admin_of(request)
    try:
        async with service.relay.transaction() as conn:
            await action(conn)
    except LeadNotFound as exc:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).") from exc
    except PipelineMoveInvalid as exc:
        return _back(lead_id, error=exc.field)
    return _back(lead_id, done=done)


@router.post("/leads/{lead_id}/status")
async def set_status(
    request: Request,
    principal: StaffDep,
    lead_id: UUID,
    status: Annotated[str, Form(max_length=20)],
    deal_value: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        value = Decimal(deal_value.replace(".", "").replace(",", ".")) if deal_value else None
    except InvalidOperation:
        return _back(lead_id, error="deal_value")
    now = admin_of(request).clock()
    return await _lead_action(
        request,
        lead_id,
        "status",
        lambda conn: change_status(
            conn, lead_id, status, deal_value=value, by=principal.user, now=now
        ),
    )


@router.post("/leads/{lead_id}/assign")
async def set_assignee(
    request: Request,
    principal: StaffDep,
    lead_id: UUID,
    assignee_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        assignee = UUID(assignee_id) if assignee_id else None
    except ValueError:
        return _back(lead_id, error="assignee_id")
    now = admin_of(request).clock()
    return await _lead_action(
        request, lead_id, "assign", lambda conn: assign(conn, lead_id, assignee, now=now)
    )


@router.post("/leads/{lead_id}/notes")
async def post_note(
    request: Request,
    principal: StaffDep,
    lead_id: UUID,
    body: Annotated[str, Form(max_length=20_000)],
) -> Response:
    service = admin_of(request)
    now = service.clock()
    return await _lead_action(
        request,
        lead_id,
        "note",
        lambda conn: add_note(conn, service.keys, lead_id, body, by=principal.user, now=now),
    )


@router.post("/leads/{lead_id}/analysis")
async def analyze_lead(request: Request, principal: StaffDep, lead_id: UUID) -> Response:
    """The analysis button ("Mit Claude analysieren", or "Regelbasiert analysieren" when
    enrichment has no key): done, running, or why neither."""
    try:
        reply = await admin_of(request).analyze_lead(lead_id)
    except LeadNotFound as exc:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).") from exc
    if not reply.ok or reply.data is None:
        return await _lead_page(
            request,
            principal,
            lead_id,
            503 if is_silent(reply) else 422,
            analysis_error=error_text(reply.errors),
        )
    finished = reply.data.status == "done" and reply.data.analyzed is not None
    return _back(lead_id, done="analysis" if finished else "analysis_running")


@router.post("/leads/{lead_id}/erase")
async def erase_lead(request: Request, principal: AdminDep, lead_id: UUID) -> Response:
    service = admin_of(request)
    try:
        async with service.relay.transaction() as conn:
            await request_erasure(conn, lead_id, now=service.clock())
    except LeadNotFound as exc:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).") from exc
    return RedirectResponse("/admin/leads?done=erased", status_code=303)
