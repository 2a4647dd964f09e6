"""How a mail leaves, behind one interface (`delivery.Transport`): SMTP (`smtp.py`), the
Resend HTTP API (httpx), or files a person can open (development)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from . import mime
from .delivery import DeliveryFailed, Failure, Transport
from .messages import OutgoingMail
from .settings import MailerSettings
from .smtp import SmtpTransport

__all__ = [
    "DeliveryFailed",
    "Failure",
    "FileTransport",
    "ResendTransport",
    "SmtpTransport",
    "Transport",
    "create_transport",
]


class ResendTransport:
    """The Resend API, `POST /emails` with the send id as `Idempotency-Key`: a resend of a
    mail that did leave is answered with the first id and not delivered again."""

    idempotent = True

    def __init__(self, settings: MailerSettings) -> None:
        key = settings.mailer_resend_api_key
        self._http = httpx.AsyncClient(
            base_url=settings.mailer_resend_url,
            headers={"Authorization": f"Bearer {key.get_secret_value() if key else ''}"},
            timeout=settings.mailer_smtp_timeout_seconds,
            limits=httpx.Limits(max_connections=settings.mailer_connections),
        )

    async def send(self, mail: OutgoingMail) -> str:
        body = {
            "from": mail.sender,
            "to": [mail.recipient],
            "subject": mail.subject,
            "html": mail.html,
            "text": mail.text,
            "headers": mail.headers,
            "tags": [{"name": "send_id", "value": str(mail.send_id)}],
        }
        try:
            response = await self._http.post(
                "/emails", json=body, headers={"Idempotency-Key": mail.idempotency_key}
            )
        except httpx.TransportError as exc:
            # a timeout may come after Resend took it: the idempotency key makes a resend safe
            raise DeliveryFailed(f"Resend unreachable: {exc!r}", "maybe_sent") from exc
        if response.status_code == 409 and "concurrent" in response.text:
            raise DeliveryFailed("Resend is still working on this key", "retry")
        if response.status_code in (400, 403, 409, 422):
            raise DeliveryFailed(f"Resend refused the mail: {response.text[:300]}", "rejected")
        if response.status_code >= 400:
            raise DeliveryFailed(f"Resend answered {response.status_code}: {response.text[:300]}")
        return str(response.json().get("id", ""))

    async def close(self) -> None:
        await self._http.aclose()


class FileTransport:
    """Development: each mail an `.eml` file in one folder (any mail program opens it;
    the mailer's `/dev/mail` page lists them)."""

    idempotent = True  # the file is named after the send: a resend overwrites it

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, mail: OutgoingMail) -> str:
        content = mime.mime_bytes(mail)
        path = self.folder / f"{mail.send_id}.eml"
        await asyncio.to_thread(self._write, path, content)
        return path.name

    def _write(self, path: Path, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(path)

    async def close(self) -> None:
        return None


def create_transport(settings: MailerSettings) -> Transport:
    if settings.mailer_transport == "smtp":
        return SmtpTransport(settings)
    if settings.mailer_transport == "resend":
        return ResendTransport(settings)
    return FileTransport(settings.mailer_files_dir)
