"""The JSON API's website content (`/api/v1/website/…`), as the Website pages: the
budget calculator's price table, the embeddable forms and the quizzes, which capture
owns and validates (422 names the field, e.g. `bands.2`; 503 when capture is silent)."""

from __future__ import annotations

from typing import Any

from auftakt_common.content import (
    FormDefinition,
    FormDefinitions,
    PriceTable,
    QuizDefinition,
    QuizDefinitions,
)
from fastapi import APIRouter, HTTPException, Request

from .api import owner_answer
from .deps import StaffDep, admin_of

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/website", tags=["website"])


@router.get("/prices", response_model=PriceTable)
async def get_prices(request: Request, _: StaffDep) -> PriceTable:
    """The budget calculator's price table (with its `version`)."""
    return owner_answer(await admin_of(request).owners.prices())


@router.put("/prices", response_model=PriceTable)
async def put_prices(request: Request, _: StaffDep, body: dict[str, Any]) -> PriceTable:
    """Replace the price table (a `PriceTable` without `version`); the calculator uses it
    at once. Answers it with its new `version`."""
    return owner_answer(await admin_of(request).owners.put_prices(body))


@router.get("/forms", response_model=FormDefinitions)
async def get_forms(request: Request, _: StaffDep) -> FormDefinitions:
    return owner_answer(await admin_of(request).owners.forms())


@router.get("/forms/{form_id}", response_model=FormDefinition)
async def get_form(request: Request, _: StaffDep, form_id: str) -> FormDefinition:
    forms = owner_answer(await admin_of(request).owners.forms()).forms
    found = next((form for form in forms if form.form_id == form_id), None)
    if found is None:
        raise HTTPException(404, "Dieses Formular gibt es nicht.")
    return found


@router.put("/forms/{form_id}", response_model=FormDefinition)
async def put_form(
    request: Request, _: StaffDep, form_id: str, body: dict[str, Any]
) -> FormDefinition:
    """Create or replace a form (a `FormDefinition`; the path names it). It must ask for
    the e-mail address; a refusal names the field (`fields.3.label`, or `body` for the
    form as a whole)."""
    return owner_answer(await admin_of(request).owners.put_form({**body, "form_id": form_id}))


@router.get("/quizzes", response_model=QuizDefinitions)
async def get_quizzes(request: Request, _: StaffDep) -> QuizDefinitions:
    return owner_answer(await admin_of(request).owners.quizzes())


@router.get("/quizzes/{quiz_id}", response_model=QuizDefinition)
async def get_quiz(request: Request, _: StaffDep, quiz_id: str) -> QuizDefinition:
    quizzes = owner_answer(await admin_of(request).owners.quizzes()).quizzes
    found = next((quiz for quiz in quizzes if quiz.quiz_id == quiz_id), None)
    if found is None:
        raise HTTPException(404, "Dieses Quiz gibt es nicht.")
    return found


@router.put("/quizzes/{quiz_id}", response_model=QuizDefinition)
async def put_quiz(
    request: Request, _: StaffDep, quiz_id: str, body: dict[str, Any]
) -> QuizDefinition:
    """Create or replace a quiz (a `QuizDefinition`; the path names it). Points may only
    go to the quiz's own outcomes."""
    return owner_answer(await admin_of(request).owners.put_quiz({**body, "quiz_id": quiz_id}))
