"""The editors' pages: scoring rules and page-to-activity mappings (scoring owns them),
mail sequences with a preview for a chosen lead (the mailer owns them). Every change goes
to its owner over NATS; the owner's field errors are shown in the form."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .deps import StaffDep, admin_of
from .editors import errors_by_field, mapping_from_form, rule_from_form, sequence_from_form
from .pages import render
from .queries import lead_id_for_email

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)


async def _form(request: Request) -> dict[str, str]:
    return {name: str(value) for name, value in (await request.form()).items()}


async def _rules_page(
    request: Request, principal: StaffDep, status_code: int = 200, **context: Any
) -> Response:
    reply = await admin_of(request).owners.scoring_configuration()
    return render(
        request,
        "rules.html",
        principal,
        status_code=status_code if reply.ok else 503,
        configuration=reply.data,
        unavailable=None if reply.ok else reply.errors[0].message,
        done=request.query_params.get("done"),
        **{"errors": {}, "failed": None, "submitted": {}, **context},
    )


@router.get("/rules")
async def rules_page(request: Request, principal: StaffDep) -> Response:
    return await _rules_page(request, principal)


@router.post("/rules")
async def save_rule(request: Request, principal: StaffDep) -> Response:
    form = await _form(request)
    activity = form.get("activity", "").strip()
    reply = await admin_of(request).owners.put_rule(rule_from_form(activity, form))
    if not reply.ok:
        return await _rules_page(
            request,
            principal,
            422,
            errors=errors_by_field(reply.errors),
            failed=f"rule:{activity}",
            submitted=form,
        )
    return RedirectResponse(f"/admin/rules?done=rule#rule-{activity}", status_code=303)


@router.post("/mappings")
async def save_mapping(request: Request, principal: StaffDep) -> Response:
    form = await _form(request)
    reply = await admin_of(request).owners.put_mapping(mapping_from_form(form))
    if not reply.ok:
        return await _rules_page(
            request,
            principal,
            422,
            errors=errors_by_field(reply.errors),
            failed=f"mapping:{form.get('id') or 'new'}",
            submitted=form,
        )
    return RedirectResponse("/admin/rules?done=mapping#mappings", status_code=303)


@router.post("/mappings/{mapping_id}/delete")
async def delete_mapping(request: Request, principal: StaffDep, mapping_id: int) -> Response:
    reply = await admin_of(request).owners.delete_mapping(mapping_id)
    if not reply.ok:
        return await _rules_page(
            request, principal, 422, errors=errors_by_field(reply.errors), failed="delete"
        )
    return RedirectResponse("/admin/rules?done=deleted#mappings", status_code=303)


@router.get("/sequences")
async def sequences_page(request: Request, principal: StaffDep) -> Response:
    reply = await admin_of(request).owners.sequences()
    return render(
        request,
        "sequences.html",
        principal,
        status_code=200 if reply.ok else 503,
        sequences=reply.data.sequences if reply.data else [],
        unavailable=None if reply.ok else reply.errors[0].message,
    )


async def _sequence_page(
    request: Request, principal: StaffDep, key: str, status_code: int = 200, **context: Any
) -> Response:
    reply = await admin_of(request).owners.sequences()
    found = next((s for s in (reply.data.sequences if reply.data else []) if s.key == key), None)
    if reply.ok and found is None and key != "new":
        return render(request, "error.html", principal, 404, message="Unbekannte Sequenz.")
    return render(
        request,
        "sequence.html",
        principal,
        status_code=status_code if reply.ok else 503,
        key=key,
        sequence=found,
        unavailable=None if reply.ok else reply.errors[0].message,
        done=request.query_params.get("done"),
        **{"errors": {}, "preview": None, "preview_error": None, **context},
    )


@router.get("/sequences/{key}")
async def sequence_page(request: Request, principal: StaffDep, key: str) -> Response:
    return await _sequence_page(request, principal, key)


@router.post("/sequences/{key}")
async def save_sequence(request: Request, principal: StaffDep, key: str) -> Response:
    form = await _form(request)
    target = form.get("key", key) if key == "new" else key
    reply = await admin_of(request).owners.put_sequence(sequence_from_form(target, form))
    if not reply.ok:
        return await _sequence_page(
            request, principal, key, 422, errors=errors_by_field(reply.errors)
        )
    return RedirectResponse(f"/admin/sequences/{target}?done=saved", status_code=303)


@router.post("/sequences/{key}/preview")
async def preview_sequence(request: Request, principal: StaffDep, key: str) -> Response:
    form = await _form(request)
    chosen = form.get("lead", "").strip()
    lead_id: str | None = None
    if "@" in chosen:
        service = admin_of(request)
        async with service.engine.connect() as conn:
            found = await lead_id_for_email(conn, service.keys, chosen)
        if found is None:
            return await _sequence_page(
                request, principal, key, 422, preview_error="Kein Lead mit dieser E-Mail-Adresse."
            )
        lead_id = str(found)
    elif chosen:
        try:
            lead_id = str(UUID(chosen))
        except ValueError:
            return await _sequence_page(
                request,
                principal,
                key,
                422,
                preview_error="Bitte eine E-Mail-Adresse oder Lead-ID angeben.",
            )
    position = form.get("position") or None
    reply = await admin_of(request).owners.preview(
        {"key": key, "position": int(position) if position and position.isdigit() else None,
         "lead_id": lead_id}
    )  # fmt: skip
    if not reply.ok:
        return await _sequence_page(
            request,
            principal,
            key,
            422,
            preview_error="; ".join(f"{e.field}: {e.message}" for e in reply.errors),
        )
    return await _sequence_page(request, principal, key, preview=reply.data)
