"""The companies pages: the list from the read model (target accounts, tiers, the
roll-up of their leads), one company's live profile from enrichment (the read model's
when enrichment is silent) with its leads, and sales' targeting, which enrichment owns:
its field errors are shown in the form."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from .deps import StaffDep, admin_of
from .domain import COMPANY_SORTS, TIERS, LeadFilter
from .editors import error_text, errors_by_field, targeting_from_form
from .enrichment_queries import company_summary
from .filters import FilterInvalid, parse_company_request
from .owners import is_silent
from .pages import render
from .queries import list_leads

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)


async def _form(request: Request) -> dict[str, str]:
    return {name: str(value) for name, value in (await request.form()).items()}


async def _companies_page(
    request: Request, principal: StaffDep, status_code: int = 200, **context: Any
) -> Response:
    service = admin_of(request)
    options = {"tiers": TIERS, "sorts": COMPANY_SORTS}
    defaults: dict[str, Any] = {"errors": {}, "submitted": {}, "error": None}
    try:
        wanted = parse_company_request(request.query_params)
    except FilterInvalid as exc:
        return render(
            request,
            "companies.html",
            principal,
            status_code=422,
            page=None,
            params=dict(request.query_params),
            options=options,
            **{**defaults, "error": f"{exc.field}: {exc}"},
        )
    async with service.engine.connect() as conn:
        page = await wanted.page(conn)
    return render(
        request,
        "companies.html",
        principal,
        status_code=status_code,
        page=page,
        params=wanted.params,
        options=options,
        first_page=wanted.cursor is None,
        **{**defaults, **context},
    )


@router.get("/companies")
async def companies_page(request: Request, principal: StaffDep) -> Response:
    return await _companies_page(request, principal)


@router.post("/companies")
async def add_target_account(request: Request, principal: StaffDep) -> Response:
    """Mark a company as a target account by its domain (enrichment makes it known)."""
    form = await _form(request)
    domain = {"domain": form.get("domain", "").strip()}
    reply = await admin_of(request).owners.put_targeting(targeting_from_form(domain, form))
    if not reply.ok or reply.data is None:
        return await _companies_page(
            request,
            principal,
            503 if is_silent(reply) else 422,
            errors=errors_by_field(reply.errors),
            submitted=form,
        )
    return RedirectResponse(f"/admin/companies/{reply.data.company_id}?done=saved", 303)


async def _company_page(
    request: Request, principal: StaffDep, company_id: UUID, status_code: int = 200, **context: Any
) -> Response:
    service = admin_of(request)
    reply = await service.owners.company({"company_id": str(company_id)})
    async with service.engine.connect() as conn:
        summary = await company_summary(conn, company_id)
        leads = await list_leads(
            conn, service.keys, LeadFilter(company_id=company_id), now=service.clock()
        )
    profile = reply.data if reply.ok else None
    if profile is None and summary is None:
        if is_silent(reply):
            raise HTTPException(503, error_text(reply.errors))
        raise HTTPException(404, "Diese Firma gibt es nicht (mehr).")
    return render(
        request,
        "company.html",
        principal,
        status_code=status_code,
        company=profile or summary,
        live=profile is not None,
        unavailable=None if profile else error_text(reply.errors),
        leads=leads,
        tiers=TIERS,
        done=request.query_params.get("done"),
        **{"errors": {}, "submitted": None, **context},
    )


@router.get("/companies/{company_id}")
async def company_page(request: Request, principal: StaffDep, company_id: UUID) -> Response:
    return await _company_page(request, principal, company_id)


@router.post("/companies/{company_id}/targeting")
async def save_targeting(request: Request, principal: StaffDep, company_id: UUID) -> Response:
    form = await _form(request)
    company = {"company_id": str(company_id)}
    reply = await admin_of(request).owners.put_targeting(targeting_from_form(company, form))
    if not reply.ok:
        return await _company_page(
            request,
            principal,
            company_id,
            503 if is_silent(reply) else 422,
            errors=errors_by_field(reply.errors),
            submitted=form,
        )
    return RedirectResponse(f"/admin/companies/{company_id}?done=saved#targeting", 303)
