"""The mailer's HTTP side: provider webhooks (bounces and complaints, signature verified),
health, and in development a page listing the mails the file transport wrote."""

from __future__ import annotations

import email
import email.policy
import html
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import structlog
from auftakt_common.events import EmailBounced, EmailComplained, Event
from auftakt_common.outbox import add_events
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from . import repository as repo
from .models import outbox

__all__ = ["router"]

_log = structlog.get_logger("auftakt.mailer")

router = APIRouter()


def _service(request: Request) -> Any:
    return request.app.state.mailer


def _send_id_of(data: Mapping[str, Any]) -> UUID | None:
    tags = data.get("tags")
    value: object = None
    if isinstance(tags, Mapping):
        value = tags.get("send_id")
    elif isinstance(tags, list):
        value = next(
            (t.get("value") for t in tags if isinstance(t, Mapping) and t.get("name") == "send_id"),
            None,
        )
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


@router.post("/v1/webhooks/resend", status_code=204, summary="Resend bounce/complaint webhook")
async def resend_webhook(request: Request) -> Response:
    service = _service(request)
    secret = service.settings.mailer_resend_webhook_secret
    if secret is None:
        return JSONResponse({"detail": "webhook secret not configured"}, status_code=404)
    body = await request.body()
    # Resend signs with Svix, which is the Standard Webhooks scheme under svix-* names
    headers = {
        "webhook-" + name.split("-", 1)[1]: value
        for name, value in request.headers.items()
        if name.startswith(("svix-", "webhook-"))
    }
    try:
        payload = Webhook(secret.get_secret_value()).verify(body, headers)
    except (WebhookVerificationError, ValueError) as exc:
        _log.warning("webhook signature rejected", error=str(exc))
        return JSONResponse({"detail": "invalid signature"}, status_code=401)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), Mapping):
        return JSONResponse({"detail": "data: must be an object"}, status_code=422)
    kind, data = payload.get("type"), cast(Mapping[str, Any], payload["data"])
    if kind not in ("email.bounced", "email.complained"):
        return Response(status_code=204)  # delivered, opened … are not ours to act on
    async with service.relay.transaction() as conn:
        send = await repo.find_send(
            conn, send_id=_send_id_of(data), provider_message_id=str(data.get("email_id") or "")
        )
        if send is None:
            _log.warning("webhook for an unknown send ignored", type=kind)
            return Response(status_code=204)
        event: Event
        if kind == "email.bounced":
            bounce = data.get("bounce") if isinstance(data.get("bounce"), Mapping) else {}
            assert isinstance(bounce, Mapping)
            event = EmailBounced(
                lead_id=send["lead_id"],
                send_id=send["id"],
                permanent=str(bounce.get("type", "")).lower() in ("permanent", "hard"),
                reason=str(bounce.get("message") or bounce.get("subType") or "")[:300] or None,
            )
        else:
            event = EmailComplained(lead_id=send["lead_id"], send_id=send["id"])
        await add_events(conn, outbox, [event])
    _log.info("provider reported", type=kind, send_id=str(send["id"]))
    return Response(status_code=204)


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _mail_folder(request: Request) -> Path | None:
    settings = _service(request).settings
    if settings.mailer_transport != "files" or settings.env == "production":
        return None
    return cast(Path, settings.mailer_files_dir)


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


_PAGE = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title}</title>'
    "<style>body{{font-family:Arial,sans-serif;margin:24px}}td,th{{padding:4px 12px;"
    "text-align:left;border-bottom:1px solid #eee}}</style></head><body>{body}</body></html>"
)


@router.get("/dev/mail", response_class=HTMLResponse, include_in_schema=False)
async def mail_list(request: Request) -> Response:
    folder = _mail_folder(request)
    if folder is None:
        return HTMLResponse("nur in der Entwicklung mit AUFTAKT_MAILER_TRANSPORT=files", 404)
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:500]
    rows = []
    for path in files:
        message = _read(path)
        rows.append(
            f"<tr><td>{html.escape(str(message['Date']))}</td>"
            f"<td>{html.escape(str(message['To']))}</td>"
            f'<td><a href="/dev/mail/{path.stem}">{html.escape(str(message["Subject"]))}</a></td>'
            "</tr>"
        )
    body = (
        f"<h1>Gesendete E-Mails ({len(files)})</h1><p>Ordner: {html.escape(str(folder))}</p>"
        "<table><tr><th>Datum</th><th>An</th><th>Betreff</th></tr>" + "".join(rows) + "</table>"
    )
    return HTMLResponse(_PAGE.format(title="Gesendete E-Mails", body=body))


@router.get("/dev/mail/{send_id}", response_class=HTMLResponse, include_in_schema=False)
async def mail_show(request: Request, send_id: UUID) -> Response:
    folder = _mail_folder(request)
    path = folder / f"{send_id}.eml" if folder else None
    if path is None or not path.exists():
        return HTMLResponse("nicht gefunden", 404)
    message = _read(path)
    part = message.get_body(preferencelist=("html", "plain"))
    content = part.get_content() if part is not None else ""
    headers = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in message.items()
    )
    body = f'<p><a href="/dev/mail">← alle</a></p><table>{headers}</table><hr>{content}'
    return HTMLResponse(_PAGE.format(title=html.escape(str(message["Subject"])), body=body))
