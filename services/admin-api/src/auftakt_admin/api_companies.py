"""The JSON API's companies (`/api/v1/companies…`), as the dashboard's pages: the list
from the read model, one company's live profile from enrichment with its leads, and
sales' targeting (target account, tier), which enrichment owns and validates."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from auftakt_common.commands import CompanyProfile
from fastapi import APIRouter, HTTPException, Request

from .api import owner_answer, problem
from .deps import StaffDep, admin_of
from .domain import LeadFilter
from .editors import error_text
from .enrichment_queries import company_summary
from .filters import COMPANY_LIST_PARAMETERS, FilterInvalid, parse_company_request
from .owners import is_silent
from .queries import list_leads
from .schemas import (
    CompanyDetailRead,
    CompanyPageRead,
    CompanyRead,
    LeadListItemRead,
    TargetingUpdate,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/companies", tags=["companies"])


def _wanted(company: str) -> dict[str, str]:
    """A company in a path: its id, or its web domain."""
    try:
        return {"company_id": str(UUID(company))}
    except ValueError:
        return {"domain": company}


def _id_in(wanted: dict[str, str]) -> UUID | None:
    return UUID(wanted["company_id"]) if "company_id" in wanted else None


@router.get(
    "", response_model=CompanyPageRead, openapi_extra={"parameters": COMPANY_LIST_PARAMETERS}
)
async def get_companies(request: Request, _: StaffDep) -> Any:
    """The companies list. Query parameters as in the dashboard's URLs: `target=1`
    (target accounts only), `tier` (`tier_1`, `tier_2`, `tier_3`), `search` (part of the
    name or domain), `sort` (`highest_score`, `score_sum`, `engaged`, `last_activity`;
    each highest first), `cursor`, `limit` (≤ 200)."""
    try:
        wanted = parse_company_request(request.query_params)
    except FilterInvalid as exc:
        raise problem(422, exc.field, str(exc)) from exc
    async with admin_of(request).engine.connect() as conn:
        return await wanted.page(conn)


@router.get("/{company}", response_model=CompanyDetailRead)
async def get_company(request: Request, _: StaffDep, company: str) -> CompanyDetailRead:
    """One company by its id or web domain: enrichment's live profile (with the imprint's
    details), admin's read model of it, and its leads. When enrichment does not answer,
    the read model alone (`profile` null, `notice` says why; by id only); 503 if that has
    none either."""
    service = admin_of(request)
    wanted = _wanted(company)
    reply = await service.owners.company(wanted)
    profile = reply.data if reply.ok else None
    company_id = profile.company_id if profile else _id_in(wanted)
    summary, leads = None, []
    if company_id is not None:
        async with service.engine.connect() as conn:
            summary = await company_summary(conn, company_id)
            page = await list_leads(
                conn, service.keys, LeadFilter(company_id=company_id), now=service.clock()
            )
        leads = page.items
    if profile is None and summary is None:
        if is_silent(reply):
            owner_answer(reply)  # 503 with the owner's silence
        raise HTTPException(404, "Diese Firma gibt es nicht (mehr).")
    return CompanyDetailRead(
        profile=profile,
        summary=None if summary is None else CompanyRead.model_validate(summary),
        notice=None if profile else error_text(reply.errors),
        leads=[LeadListItemRead.model_validate(lead) for lead in leads],
    )


@router.put("/{company}/targeting", response_model=CompanyProfile)
async def put_targeting(
    request: Request, _: StaffDep, company: str, body: TargetingUpdate
) -> CompanyProfile:
    """Mark a company (id, or web domain: a new one becomes known and is enriched) as a
    target account with its tier, or not; enrichment validates (422 names the field, e.g.
    `domain` for a freemail domain) and answers with the company; 503 when it is silent."""
    targeting = {**_wanted(company), **body.model_dump()}
    return owner_answer(await admin_of(request).owners.put_targeting(targeting))
