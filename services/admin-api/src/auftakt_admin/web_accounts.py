"""Account pages: users and roles (admins only), and each user's own API tokens."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from . import accounts
from .deps import AdminDep, StaffDep, admin_of
from .pages import render

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)


async def _users_page(
    request: Request, principal: AdminDep, status_code: int = 200, **context: Any
) -> Response:
    async with admin_of(request).engine.connect() as conn:
        users = await accounts.list_users(conn)
    context = {
        "error": None,
        "errors": {},
        "submitted": {},
        "created": None,
        "password": None,
        **context,
    }
    return render(request, "users.html", principal, status_code, users=users, **context)


@router.get("/users")
async def users_page(request: Request, principal: AdminDep) -> Response:
    return await _users_page(request, principal)


@router.post("/users")
async def create_user(
    request: Request,
    principal: AdminDep,
    email: Annotated[str, Form(max_length=2000)],  # accounts says what is too long, at
    name: Annotated[str, Form(max_length=2000)],  # the field
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        async with admin_of(request).engine.begin() as conn:
            user, password = await accounts.create_user(conn, email=email, name=name, role=role)
    except accounts.AccountInvalid as exc:  # said at its input; what was typed stays
        submitted = {"email": email, "name": name, "role": role}
        return await _users_page(
            request, principal, 422, errors={exc.field: str(exc)}, submitted=submitted
        )
    return await _users_page(request, principal, 201, created=user, password=password)


@router.post("/users/{user_id}")
async def change_user(
    request: Request,
    principal: AdminDep,
    user_id: UUID,
    action: Annotated[str, Form(max_length=20)],
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if user_id == principal.user.id and action in ("deactivate", "role"):
        return await _users_page(
            request, principal, 422, error="Das eigene Konto kann man nicht herabstufen."
        )
    service = admin_of(request)
    try:
        async with service.engine.begin() as conn:
            target = await accounts.get_user(conn, user_id)
            if target is None:
                raise HTTPException(404, "Unbekannter Benutzer.")
            if action == "reset":
                password = await accounts.reset_password(conn, user_id)
                return await _users_page(request, principal, created=target, password=password)
            if action == "role":
                await accounts.update_user(conn, user_id, role=role)
            elif action in ("activate", "deactivate"):
                await accounts.update_user(conn, user_id, active=action == "activate")
            else:
                raise HTTPException(422, f"Unbekannte Aktion {action!r}.")
    except accounts.AccountInvalid as exc:
        return await _users_page(request, principal, 422, error=f"{exc.field}: {exc}")
    return RedirectResponse("/admin/users", status_code=303)


async def _tokens_page(
    request: Request, principal: StaffDep, status_code: int = 200, **context: Any
) -> Response:
    async with admin_of(request).engine.connect() as conn:
        tokens = await accounts.list_api_tokens(conn, principal.user.id)
    context = {"error": None, "secret": None, **context}
    return render(request, "tokens.html", principal, status_code, tokens=tokens, **context)


@router.get("/tokens")
async def tokens_page(request: Request, principal: StaffDep) -> Response:
    return await _tokens_page(request, principal)


@router.post("/tokens")
async def create_token(
    request: Request, principal: StaffDep, name: Annotated[str, Form(max_length=100)]
) -> Response:
    service = admin_of(request)
    try:
        async with service.engine.begin() as conn:
            _, secret = await accounts.create_api_token(
                conn, principal.user.id, name, now=service.clock()
            )
    except accounts.AccountInvalid as exc:
        return await _tokens_page(request, principal, 422, error=str(exc))
    return await _tokens_page(request, principal, 201, secret=secret)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, principal: StaffDep, token_id: UUID) -> Response:
    service = admin_of(request)
    async with service.engine.begin() as conn:
        await accounts.revoke_api_token(conn, principal.user.id, token_id, now=service.clock())
    return RedirectResponse("/admin/tokens", status_code=303)
