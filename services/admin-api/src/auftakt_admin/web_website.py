"""The Website pages: the code to put on the website (tracking snippet, forms, the
budget calculator, quizzes, all served by capture), and the editors of what capture
owns: the calculator's price table, the embeddable forms and the quizzes. Every change
goes to capture over NATS; its field errors are shown at the inputs they concern, and
the form keeps what was typed."""

from __future__ import annotations

import asyncio
from typing import Any

from auftakt_common.commands import CommandReply
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .deps import StaffDep, admin_of
from .editor_forms import Values, parse_values, rows_of, with_empty_rows
from .owners import is_silent
from .pages import render
from .website_editors import (
    FIELD_LABELS,
    describe,
    form_body,
    form_values,
    outcome_columns,
    price_body,
    price_values,
    quiz_body,
    quiz_values,
)

__all__ = ["router"]

router = APIRouter(prefix="/admin/website", include_in_schema=False)
_NEW = "new"


async def _values(request: Request) -> Values:
    return parse_values({name: str(value) for name, value in (await request.form()).items()})


def _capture_url(request: Request) -> str:
    return admin_of(request).settings.public_url.rstrip("/")


def _unavailable(reply: CommandReply[Any]) -> str | None:
    return None if reply.ok else reply.errors[0].message


def _refused(reply: CommandReply[Any]) -> int:
    return 503 if is_silent(reply) else 422


@router.get("")
async def website_page(request: Request, principal: StaffDep) -> Response:
    owners = admin_of(request).owners
    forms, quizzes = await asyncio.gather(owners.forms(), owners.quizzes())
    return render(
        request,
        "website.html",
        principal,
        status_code=200 if forms.ok and quizzes.ok else 503,
        capture=_capture_url(request),
        forms=forms.data.forms if forms.data else [],
        quizzes=quizzes.data.quizzes if quizzes.data else [],
        unavailable=_unavailable(forms) or _unavailable(quizzes),
    )


# --- the price table ---


def _prices_page(
    request: Request,
    principal: StaffDep,
    values: Values | None,
    *,
    status_code: int = 200,
    version: int | None = None,
    errors: dict[str, str] | None = None,
    unavailable: str | None = None,
) -> Response:
    if values is not None:
        values = {
            **values,
            "bands": with_empty_rows(rows_of(values, "bands"), 2),
            "event_types": with_empty_rows(rows_of(values, "event_types"), 2),
            "guest_tiers": with_empty_rows(rows_of(values, "guest_tiers"), 2),
        }
    return render(
        request,
        "prices.html",
        principal,
        status_code=status_code,
        values=values,
        version=version,
        errors=errors or {},
        describe=describe,
        unavailable=unavailable,
        done=request.query_params.get("done"),
    )


@router.get("/prices")
async def prices_page(request: Request, principal: StaffDep) -> Response:
    reply = await admin_of(request).owners.prices()
    if reply.data is None:
        return _prices_page(
            request, principal, None, status_code=503, unavailable=_unavailable(reply)
        )
    return _prices_page(request, principal, price_values(reply.data), version=reply.data.version)


@router.post("/prices")
async def save_prices(request: Request, principal: StaffDep) -> Response:
    values = await _values(request)
    command = price_body(values)
    reply = await admin_of(request).owners.put_prices(command.body)
    if not reply.ok:
        return _prices_page(
            request,
            principal,
            values,
            status_code=_refused(reply),
            errors=command.errors(reply.errors),
        )
    return RedirectResponse("/admin/website/prices?done=saved", status_code=303)


# --- forms ---


@router.get("/forms")
async def forms_page(request: Request, principal: StaffDep) -> Response:
    reply = await admin_of(request).owners.forms()
    return render(
        request,
        "forms.html",
        principal,
        status_code=200 if reply.ok else 503,
        capture=_capture_url(request),
        forms=reply.data.forms if reply.data else [],
        unavailable=_unavailable(reply),
    )


def _form_page(
    request: Request,
    principal: StaffDep,
    values: Values | None,
    *,
    form_id: str,
    status_code: int = 200,
    version: int | None = None,
    errors: dict[str, str] | None = None,
    unavailable: str | None = None,
) -> Response:
    if values is not None:
        values = {**values, "fields": with_empty_rows(rows_of(values, "fields"), 3)}
    return render(
        request,
        "form.html",
        principal,
        status_code=status_code,
        form_id=form_id,
        is_new=form_id == _NEW,
        values=values,
        version=version,
        field_labels=FIELD_LABELS,
        capture=_capture_url(request),
        errors=errors or {},
        describe=describe,
        unavailable=unavailable,
        done=request.query_params.get("done"),
    )


@router.get("/forms/{form_id}")
async def form_page(request: Request, principal: StaffDep, form_id: str) -> Response:
    if form_id == _NEW:
        return _form_page(request, principal, {"active": "on"}, form_id=form_id)
    reply = await admin_of(request).owners.forms()
    if reply.data is None:
        return _form_page(
            request,
            principal,
            None,
            form_id=form_id,
            status_code=503,
            unavailable=_unavailable(reply),
        )
    found = next((form for form in reply.data.forms if form.form_id == form_id), None)
    if found is None:
        return render(request, "error.html", principal, 404, message="Unbekanntes Formular.")
    return _form_page(
        request, principal, form_values(found), form_id=form_id, version=found.version
    )


@router.post("/forms/{form_id}")
async def save_form(request: Request, principal: StaffDep, form_id: str) -> Response:
    values = await _values(request)
    target = str(values.get("form_id", "")).strip() if form_id == _NEW else form_id
    command = form_body(target, values)
    reply = await admin_of(request).owners.put_form(command.body)
    if not reply.ok:
        return _form_page(
            request,
            principal,
            values,
            form_id=form_id,
            status_code=_refused(reply),
            errors=command.errors(reply.errors),
        )
    return RedirectResponse(f"/admin/website/forms/{target}?done=saved", status_code=303)


# --- quizzes ---


@router.get("/quizzes")
async def quizzes_page(request: Request, principal: StaffDep) -> Response:
    reply = await admin_of(request).owners.quizzes()
    return render(
        request,
        "quizzes.html",
        principal,
        status_code=200 if reply.ok else 503,
        capture=_capture_url(request),
        quizzes=reply.data.quizzes if reply.data else [],
        unavailable=_unavailable(reply),
    )


async def _quiz_page(
    request: Request,
    principal: StaffDep,
    values: Values | None,
    *,
    quiz_id: str,
    status_code: int = 200,
    version: int | None = None,
    errors: dict[str, str] | None = None,
    unavailable: str | None = None,
) -> Response:
    # the event types and band formats to suggest (not when capture was silent just now)
    prices = None if status_code == 503 else (await admin_of(request).owners.prices()).data
    if values is not None:
        questions = [
            {**question, "answers": with_empty_rows(rows_of(question, "answers"), 2)}
            for question in rows_of(values, "questions")
        ]
        values = {
            **values,
            "questions": [*questions, {"answers": with_empty_rows([], 4)}],
            "outcomes": with_empty_rows(rows_of(values, "outcomes"), 2),
        }
    return render(
        request,
        "quiz.html",
        principal,
        status_code=status_code,
        quiz_id=quiz_id,
        is_new=quiz_id == _NEW,
        values=values,
        columns=outcome_columns(values or {}),
        prices=prices,
        version=version,
        capture=_capture_url(request),
        errors=errors or {},
        describe=describe,
        unavailable=unavailable,
        done=request.query_params.get("done"),
    )


@router.get("/quizzes/{quiz_id}")
async def quiz_page(request: Request, principal: StaffDep, quiz_id: str) -> Response:
    if quiz_id == _NEW:
        return await _quiz_page(request, principal, {"active": "on"}, quiz_id=quiz_id)
    reply = await admin_of(request).owners.quizzes()
    if reply.data is None:
        return await _quiz_page(
            request,
            principal,
            None,
            quiz_id=quiz_id,
            status_code=503,
            unavailable=_unavailable(reply),
        )
    found = next((quiz for quiz in reply.data.quizzes if quiz.quiz_id == quiz_id), None)
    if found is None:
        return render(request, "error.html", principal, 404, message="Unbekanntes Quiz.")
    return await _quiz_page(
        request, principal, quiz_values(found), quiz_id=quiz_id, version=found.version
    )


@router.post("/quizzes/{quiz_id}")
async def save_quiz(request: Request, principal: StaffDep, quiz_id: str) -> Response:
    values = await _values(request)
    target = str(values.get("quiz_id", "")).strip() if quiz_id == _NEW else quiz_id
    command = quiz_body(target, values)
    reply = await admin_of(request).owners.put_quiz(command.body)
    if not reply.ok:
        return await _quiz_page(
            request,
            principal,
            values,
            quiz_id=quiz_id,
            status_code=_refused(reply),
            errors=command.errors(reply.errors),
        )
    return RedirectResponse(f"/admin/website/quizzes/{target}?done=saved", status_code=303)
