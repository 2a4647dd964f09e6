"""Real servers on loopback standing in for third parties: an SMTP server (aiosmtpd) that
keeps what it receives, and one HTTP server for Resend, Slack and the WhatsApp Cloud API."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, cast

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """Takes every mail, except: addresses in `refused` get 550 at RCPT (a hard bounce),
    addresses in `busy` get 451 at DATA that many times (a temporary failure)."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    busy: Counter[str] = field(default_factory=Counter)
    delay_seconds: float = 0.0  # a slow relay
    pipelining: bool = True  # offered, as Postfix does (aiosmtpd itself does not)

    async def handle_EHLO(  # noqa: N802 — aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_RCPT(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        recipient = envelope.rcpt_tos[0]
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.busy[recipient] > 0:
            self.busy[recipient] -= 1
            return "451 4.3.0 try again later"
        content = cast(bytes, envelope.content)
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), cast(EmailMessage, message))
        )
        return "250 OK queued"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]


class SmtpServer:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink
        self._controller = Controller(sink, hostname="127.0.0.1", port=sink.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self.sink

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


@dataclass
class Providers:
    """What the fake HTTP providers were sent. Resend deduplicates by Idempotency-Key as
    the real one does; `failures` makes the next N requests to a path fail with 503."""

    port: int = field(default_factory=free_port)
    resend_deliveries: list[dict[str, Any]] = field(default_factory=list)
    resend_keys: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    slack: list[dict[str, Any]] = field(default_factory=list)
    whatsapp: list[dict[str, Any]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _failing(self, path: str) -> bool:
        if self.failures[path] > 0:
            self.failures[path] -= 1
            return True
        return False

    async def resend(self, request: Request) -> Response:
        if self._failing("/emails"):
            return JSONResponse({"message": "unavailable"}, status_code=503)
        key = request.headers.get("idempotency-key", "")
        raw = await request.body()
        if key in self.resend_keys:  # as Resend: the same key must repeat the same request
            email_id, first = self.resend_keys[key]
            if raw != first:
                return JSONResponse(
                    {"name": "invalid_idempotent_request", "message": "body differs"},
                    status_code=409,
                )
            return JSONResponse({"id": email_id})
        body = await request.json()
        email_id = str(uuid.uuid4())
        self.resend_keys[key] = (email_id, raw)
        self.resend_deliveries.append(
            body | {"id": email_id, "authorization": request.headers.get("authorization")}
        )
        return JSONResponse({"id": email_id})

    async def slack_hook(self, request: Request) -> Response:
        if self._failing("/slack"):
            return Response("unavailable", status_code=503)
        self.slack.append(await request.json())
        return Response("ok")

    async def whatsapp_message(self, request: Request) -> Response:
        if self._failing("/whatsapp"):
            return JSONResponse({"error": {"message": "unavailable"}}, status_code=503)
        self.whatsapp.append(
            await request.json() | {"authorization": request.headers.get("authorization")}
        )
        return JSONResponse({"messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/emails", self.resend, methods=["POST"]),
                Route("/slack", self.slack_hook, methods=["POST"]),
                Route("/v21.0/{phone_id}/messages", self.whatsapp_message, methods=["POST"]),
            ]
        )


async def serve_providers(providers: Providers) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    config = uvicorn.Config(
        providers.app(), host="127.0.0.1", port=providers.port, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task
