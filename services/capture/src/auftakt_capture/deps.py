"""What capture's routers take from a request: the context, the client, a bounded body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from .context import Capture

__all__ = ["BodyTooLarge", "CaptureDep", "client_ip", "parse_form", "read_body"]


def _capture(request: Request) -> Capture:
    capture: Capture = request.app.state.capture
    return capture


CaptureDep = Annotated[Capture, Depends(_capture)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


async def parse_form(request: Request, body: bytes) -> FormData:
    """A form (url-encoded or multipart, no files) from a body already read."""

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=0, max_fields=200)
