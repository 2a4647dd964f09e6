"""The JSON API (`/api/v1/…`): everything the dashboard does, for scripts with an API
token (or a browser session with its CSRF header). OpenAPI at `/api/openapi.json`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from auftakt_common.commands import (
    ActivityMapping,
    CommandReply,
    MailPreview,
    MailSequence,
    MailSequences,
    PreviewMail,
    ScoringConfiguration,
    ScoringRule,
)
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from . import accounts
from .deps import AdminDep, StaffDep, admin_of
from .domain import PipelineMoveInvalid
from .enrichment_queries import analysis_entry
from .filters import LEAD_LIST_PARAMETERS, FilterInvalid, parse_list_request
from .lead_detail import lead_detail
from .owners import is_silent
from .pipeline import LeadNotFound, add_note, assign, change_status, request_erasure
from .queries import dashboard
from .schemas import (
    AnalysisRead,
    AnalysisRequested,
    Assignment,
    Changed,
    Created,
    DashboardRead,
    LeadDetailRead,
    LeadPageRead,
    NoteCreate,
    SourceConversion,
    StatusChange,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)

__all__ = ["owner_answer", "problem", "router"]

router = APIRouter(prefix="/api")
v1 = "/v1"
_Result = TypeVar("_Result")


def problem(status: int, field: str, message: str) -> HTTPException:
    return HTTPException(status, {"errors": [{"field": field, "message": message}]})


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, _: StaffDep) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get(f"{v1}/me", response_model=UserRead, tags=["accounts"])
async def me(principal: StaffDep) -> accounts.User:
    return principal.user


@router.get(
    f"{v1}/leads",
    response_model=LeadPageRead,
    tags=["leads"],
    openapi_extra={"parameters": LEAD_LIST_PARAMETERS},
)
async def get_leads(
    request: Request,
    _: StaffDep,
) -> Any:
    """The lead list. Query parameters as in the dashboard's URLs: `stage`, `score`
    (`0-30`, `31-60`, `61-80`, `81-100`), `source`, `activity` (`0-3`, `4-7`, `8-14`,
    `15+` days), `status`, `assignee` (user id or `none`), `event_type`, `event_from`,
    `event_until`, `email` (exact), `company`, `sort` (`score`, `last_activity`, `created`,
    `event_date`), `dir`, `cursor`, `limit` (≤ 200)."""
    service = admin_of(request)
    try:
        wanted = parse_list_request(request.query_params, service.keys.vault)
    except FilterInvalid as exc:
        raise problem(422, exc.field, str(exc)) from exc
    async with service.engine.connect() as conn:
        return await wanted.page(conn, service.keys, now=service.clock())


@router.get(f"{v1}/leads/{{lead_id}}", response_model=LeadDetailRead, tags=["leads"])
async def get_lead(request: Request, _: StaffDep, lead_id: UUID) -> Any:
    service = admin_of(request)
    sequences = await service.sequence_titles.get(service.owners)
    async with service.engine.connect() as conn:
        lead = await lead_detail(conn, service.keys, lead_id, sequences=sequences)
    if lead is None:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).")
    return lead


async def _change(
    request: Request, work: Callable[[AsyncConnection], Awaitable[_Result]]
) -> _Result:
    try:
        async with admin_of(request).relay.transaction() as conn:
            return await work(conn)
    except LeadNotFound as exc:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).") from exc
    except PipelineMoveInvalid as exc:
        raise problem(422, exc.field, str(exc)) from exc


@router.post(f"{v1}/leads/{{lead_id}}/status", response_model=Changed, tags=["leads"])
async def post_status(
    request: Request, principal: StaffDep, lead_id: UUID, body: StatusChange
) -> Changed:
    """Move the lead in the pipeline; `deal_value` (EUR) is required for `won`.
    Publishes `lead.status_changed`."""
    now = admin_of(request).clock()
    changed = await _change(
        request,
        lambda conn: change_status(
            conn, lead_id, body.status, deal_value=body.deal_value, by=principal.user, now=now
        ),
    )
    return Changed(changed=changed)


@router.post(f"{v1}/leads/{{lead_id}}/assignee", response_model=Changed, tags=["leads"])
async def post_assignee(request: Request, _: StaffDep, lead_id: UUID, body: Assignment) -> Changed:
    """Give the lead to a user (null: to nobody). Publishes `lead.assigned`."""
    now = admin_of(request).clock()
    changed = await _change(request, lambda conn: assign(conn, lead_id, body.assignee_id, now=now))
    return Changed(changed=changed)


@router.post(
    f"{v1}/leads/{{lead_id}}/notes", response_model=Created, status_code=201, tags=["leads"]
)
async def post_note(
    request: Request, principal: StaffDep, lead_id: UUID, body: NoteCreate
) -> Created:
    service = admin_of(request)
    now = service.clock()
    note_id = await _change(
        request,
        lambda conn: add_note(conn, service.keys, lead_id, body.body, by=principal.user, now=now),
    )
    return Created(id=note_id)


@router.post(
    f"{v1}/leads/{{lead_id}}/analysis",
    response_model=AnalysisRequested,
    responses={202: {"model": AnalysisRequested, "description": "still running"}},
    tags=["leads"],
)
async def post_analysis(
    request: Request, _: StaffDep, lead_id: UUID, response: Response
) -> AnalysisRequested:
    """Have enrichment analyse the lead now (Claude, or rule-based without a key): 200
    with the analysis, or 202 while it still runs (it appears on the lead when ready);
    503 when enrichment does not answer."""
    try:
        answer = owner_answer(await admin_of(request).analyze_lead(lead_id))
    except LeadNotFound as exc:
        raise HTTPException(404, "Diesen Lead gibt es nicht (mehr).") from exc
    if answer.status == "done" and answer.analyzed is not None:
        analysis = AnalysisRead.model_validate(analysis_entry(answer.analyzed))
        return AnalysisRequested(status="done", analysis_id=answer.analysis_id, analysis=analysis)
    response.status_code = 202
    return AnalysisRequested(status="running", analysis_id=answer.analysis_id, analysis=None)


@router.delete(f"{v1}/leads/{{lead_id}}", status_code=202, tags=["leads"])
async def delete_lead(request: Request, _: AdminDep, lead_id: UUID) -> dict[str, str]:
    """Art. 17 erasure in every service (admins only). Publishes `lead.erasure_requested`."""
    now = admin_of(request).clock()
    await _change(request, lambda conn: request_erasure(conn, lead_id, now=now))
    return {"status": "erasure requested"}


@router.get(f"{v1}/dashboard", response_model=DashboardRead, tags=["dashboard"])
async def get_dashboard(request: Request, _: StaffDep) -> DashboardRead:
    service = admin_of(request)
    async with service.engine.connect() as conn:
        board = await dashboard(conn, service.keys, now=service.clock())
    return DashboardRead.model_validate(
        {
            **{
                name: getattr(board, name)
                for name in (
                    "new_today",
                    "new_week",
                    "total",
                    "by_stage",
                    "by_status",
                    "burning_waiting",
                    "funnel",
                    "daily_new",
                )
            },
            "burning_leads": board.burning_leads,
            "conversion": [
                SourceConversion(source=source, leads=leads, won=won, rate=rate)
                for source, (leads, won, rate) in board.conversion.items()
            ],
        },
        from_attributes=True,
    )


def owner_answer(reply: CommandReply[_Result]) -> _Result:
    """The owner's data, or its errors: 422 naming the fields, 503 when it is silent."""
    if reply.ok and reply.data is not None:
        return reply.data
    status = 503 if is_silent(reply) else 422
    raise HTTPException(status, {"errors": [error.model_dump() for error in reply.errors]})


@router.get(f"{v1}/scoring", response_model=ScoringConfiguration, tags=["editors"])
async def get_scoring(request: Request, _: StaffDep) -> ScoringConfiguration:
    return owner_answer(await admin_of(request).owners.scoring_configuration())


@router.put(f"{v1}/scoring/rules/{{activity}}", response_model=ScoringRule, tags=["editors"])
async def put_rule(
    request: Request, _: StaffDep, activity: str, body: dict[str, Any]
) -> ScoringRule:
    """Create or change a rule; scoring validates it (422 names the field)."""
    return owner_answer(await admin_of(request).owners.put_rule({**body, "activity": activity}))


@router.put(f"{v1}/scoring/mappings", response_model=ActivityMapping, tags=["editors"])
async def put_mapping(request: Request, _: StaffDep, body: dict[str, Any]) -> ActivityMapping:
    return owner_answer(await admin_of(request).owners.put_mapping(body))


@router.delete(f"{v1}/scoring/mappings/{{mapping_id}}", status_code=204, tags=["editors"])
async def delete_mapping(request: Request, _: StaffDep, mapping_id: int) -> None:
    reply = await admin_of(request).owners.delete_mapping(mapping_id)
    if not reply.ok:
        owner_answer(reply)


@router.get(f"{v1}/sequences", response_model=MailSequences, tags=["editors"])
async def get_sequences(request: Request, _: StaffDep) -> MailSequences:
    return owner_answer(await admin_of(request).owners.sequences())


@router.put(f"{v1}/sequences/{{key}}", response_model=MailSequence, tags=["editors"])
async def put_sequence(
    request: Request, _: StaffDep, key: str, body: dict[str, Any]
) -> MailSequence:
    """Create or change a sequence; the mailer validates texts and steps (422 names the
    field, e.g. `steps.1.subject`)."""
    return owner_answer(await admin_of(request).owners.put_sequence({**body, "key": key}))


@router.post(f"{v1}/sequences/{{key}}/preview", response_model=MailPreview, tags=["editors"])
async def preview_sequence(
    request: Request, _: StaffDep, key: str, body: PreviewMail
) -> MailPreview:
    request_body = body.model_dump(mode="json") | {"key": key}
    return owner_answer(await admin_of(request).owners.preview(request_body))


@router.get(f"{v1}/users", response_model=list[UserRead], tags=["accounts"])
async def get_users(request: Request, _: AdminDep) -> list[accounts.User]:
    async with admin_of(request).engine.connect() as conn:
        return await accounts.list_users(conn)


@router.post(f"{v1}/users", response_model=UserCreated, status_code=201, tags=["accounts"])
async def post_user(request: Request, _: AdminDep, body: UserCreate) -> UserCreated:
    try:
        async with admin_of(request).engine.begin() as conn:
            user, password = await accounts.create_user(
                conn, email=body.email, name=body.name, role=body.role
            )
    except accounts.AccountInvalid as exc:
        raise problem(422, exc.field, str(exc)) from exc
    return UserCreated(user=UserRead.model_validate(user), one_time_password=password)


@router.patch(f"{v1}/users/{{user_id}}", response_model=UserRead, tags=["accounts"])
async def patch_user(
    request: Request, principal: AdminDep, user_id: UUID, body: UserUpdate
) -> accounts.User:
    if user_id == principal.user.id and (body.active is False or body.role == "sales"):
        raise problem(422, "role", "Das eigene Konto kann man nicht herabstufen oder deaktivieren.")
    async with admin_of(request).engine.begin() as conn:
        await accounts.update_user(conn, user_id, role=body.role, active=body.active)
        user = await accounts.get_user(conn, user_id)
    if user is None:
        raise HTTPException(404, "Diesen Benutzer gibt es nicht.")
    return user


@router.get(f"{v1}/tokens", response_model=list[TokenRead], tags=["accounts"])
async def get_tokens(request: Request, principal: StaffDep) -> list[accounts.ApiToken]:
    async with admin_of(request).engine.connect() as conn:
        return await accounts.list_api_tokens(conn, principal.user.id)


@router.post(f"{v1}/tokens", response_model=TokenCreated, status_code=201, tags=["accounts"])
async def post_token(request: Request, principal: StaffDep, body: TokenCreate) -> TokenCreated:
    service = admin_of(request)
    try:
        async with service.engine.begin() as conn:
            token, secret = await accounts.create_api_token(
                conn, principal.user.id, body.name, now=service.clock()
            )
    except accounts.AccountInvalid as exc:
        raise problem(422, exc.field, str(exc)) from exc
    return TokenCreated(token=TokenRead.model_validate(token), secret=secret)


@router.delete(f"{v1}/tokens/{{token_id}}", status_code=204, tags=["accounts"])
async def delete_token(request: Request, principal: StaffDep, token_id: UUID) -> None:
    service = admin_of(request)
    async with service.engine.begin() as conn:
        if not await accounts.revoke_api_token(
            conn, principal.user.id, token_id, now=service.clock()
        ):
            raise HTTPException(404, "Dieses API-Token gibt es nicht.")
