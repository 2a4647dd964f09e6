"""SMTP delivery: a pool of connections opened by aiosmtplib (TLS, STARTTLS, AUTH). Where
the relay offers PIPELINING (RFC 2920) — Postfix, Exim and the big providers do — each
mail's MAIL, RCPT and DATA go out in one write and their replies are read together: one
round trip and two writes per mail instead of four and four (aiosmtplib cannot pipeline,
and its per-command cost was the largest part of a send).

Refusals of the envelope (MAIL, RCPT) and of the content with a 4xx/5xx reply surely did
not deliver; a connection lost after the content was handed over may have."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import Protocol, cast

import aiosmtplib

from . import mime
from .delivery import DeliveryFailed, Failure
from .messages import OutgoingMail
from .settings import MailerSettings

__all__ = ["SmtpTransport"]


@functools.lru_cache(maxsize=64)
def _envelope(header_value: str) -> bytes:
    """The bare address of `Name <address>`, as the SMTP envelope wants it."""
    return header_value.rsplit("<", 1)[-1].rstrip(">").strip().encode("ascii")


class _Refused(DeliveryFailed):
    """The relay answered no; the connection is fine for the next mail."""


def _refused(what: str, code: int, message: str, failure_5xx: Failure) -> _Refused:
    return _Refused(
        f"SMTP refused {what}: {code} {message}", failure_5xx if code >= 500 else "retry"
    )


class _Session(Protocol):
    @property
    def usable(self) -> bool: ...

    async def transaction(self, sender: bytes, recipient: bytes, content: bytes) -> None: ...

    def close(self) -> None: ...


class _CommandSession:
    """One command at a time, through aiosmtplib (relays without PIPELINING)."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self._client = client

    @property
    def usable(self) -> bool:
        return self._client.is_connected

    async def transaction(self, sender: bytes, recipient: bytes, content: bytes) -> None:
        # the commands themselves: `mail()`/`rcpt()` re-parse both addresses for every mail
        commands: tuple[tuple[bytes, bytes, str, Failure], ...] = (
            (b"MAIL", b"FROM:<" + sender + b">", "MAIL", "rejected"),
            (b"RCPT", b"TO:<" + recipient + b">", "RCPT", "bounced"),
        )
        for verb, argument, what, failure_5xx in commands:
            try:
                response = await self._client.execute_command(verb, argument)
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise DeliveryFailed(f"SMTP failed before the content: {exc!r}") from exc
            if response.code not in (250, 251):
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await self._client.rset()
                raise _refused(what, response.code, response.message, failure_5xx)
        try:
            await self._client.data(content)
        except aiosmtplib.SMTPResponseException as exc:  # answered: it did not take it
            raise _refused("the content", exc.code, exc.message, "rejected") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP lost after the content: {exc!r}", "maybe_sent") from exc

    def close(self) -> None:
        self._client.close()


class _PipelinedSession(asyncio.Protocol):
    """Takes over a connection aiosmtplib opened (and secured and authenticated) to a
    relay offering PIPELINING, and speaks the mail transactions itself."""

    def __init__(self, transport: asyncio.Transport, timeout: float) -> None:
        self._transport = transport
        self._timeout = timeout
        self._buffer = bytearray()
        self._lines: list[bytes] = []
        self._replies: list[tuple[int, str]] = []
        self._arrived: asyncio.Event = asyncio.Event()
        self._lost: Exception | None = None
        transport.set_protocol(self)

    @property
    def usable(self) -> bool:
        # a reply nobody asked for (a 421 before closing) would shift every later answer
        return self._lost is None and not self._replies and not self._transport.is_closing()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n")) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 2]
            self._lines.append(line)
            if line[3:4] != b"-":  # the last line of a reply
                code = int(line[:3]) if line[:3].isdigit() else 0
                message = b" ".join(part[4:] for part in self._lines).decode(errors="replace")
                self._replies.append((code, message))
                self._lines.clear()
        if self._replies:
            self._arrived.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = exc or ConnectionResetError("the relay closed the connection")
        self._arrived.set()

    async def _reply(self) -> tuple[int, str]:
        if not self._replies:  # replies to pipelined commands mostly arrive together
            async with asyncio.timeout(self._timeout):
                while not self._replies:
                    if self._lost is not None:
                        raise self._lost
                    self._arrived.clear()
                    await self._arrived.wait()
        return self._replies.pop(0)

    async def transaction(self, sender: bytes, recipient: bytes, content: bytes) -> None:
        try:
            self._transport.write(
                b"MAIL FROM:<" + sender + b">\r\nRCPT TO:<" + recipient + b">\r\nDATA\r\n"
            )
            (mail, mail_text), (rcpt, rcpt_text), (data, data_text) = [
                await self._reply() for _ in range(3)
            ]
        except (OSError, TimeoutError) as exc:
            raise DeliveryFailed(f"SMTP failed before the content: {exc!r}") from exc
        if mail != 250 or rcpt not in (250, 251) or data != 354:
            await self._abort(data == 354)
            if mail != 250:
                raise _refused("MAIL", mail, mail_text, "rejected")
            if rcpt not in (250, 251):
                raise _refused("RCPT", rcpt, rcpt_text, "bounced")
            raise _refused("DATA", data, data_text, "rejected")
        if content.startswith(b"."):
            content = b"." + content
        try:
            self._transport.write(content.replace(b"\r\n.", b"\r\n..") + b".\r\n")
            code, text = await self._reply()
        except (OSError, TimeoutError) as exc:
            raise DeliveryFailed(f"SMTP lost after the content: {exc!r}", "maybe_sent") from exc
        if code != 250:
            raise _refused("the content", code, text, "rejected")

    async def _abort(self, in_data: bool) -> None:
        """Leave a refused transaction so the connection can carry the next mail."""
        with contextlib.suppress(OSError, TimeoutError):
            if in_data:  # no valid recipient, so nothing is delivered
                self._transport.write(b".\r\n")
                await self._reply()
            self._transport.write(b"RSET\r\n")
            await self._reply()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if not self._transport.is_closing():
                self._transport.write(b"QUIT\r\n")
                self._transport.close()


class SmtpTransport:
    """A pool of SMTP connections, each carrying one mail at a time."""

    idempotent = False

    def __init__(self, settings: MailerSettings) -> None:
        self._settings = settings
        self._idle: asyncio.LifoQueue[_Session] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(settings.mailer_connections)

    def _client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        password = settings.mailer_smtp_password
        return aiosmtplib.SMTP(
            hostname=settings.mailer_smtp_host,
            port=settings.mailer_smtp_port,
            use_tls=settings.mailer_smtp_security == "tls",
            start_tls=True if settings.mailer_smtp_security == "starttls" else False,
            username=settings.mailer_smtp_username,
            password=password.get_secret_value() if password else None,
            timeout=settings.mailer_smtp_timeout_seconds,
            cert_bundle=str(settings.mailer_smtp_ca_file) if settings.mailer_smtp_ca_file else None,
        )

    async def _session(self) -> _Session:
        while not self._idle.empty():
            session = self._idle.get_nowait()
            if session.usable:
                return session
        client = self._client()
        try:
            await client.connect()  # with STARTTLS and AUTH when configured
            await client.ehlo()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP connect failed: {exc!r}") from exc
        transport = client.transport
        if client.supports_extension("pipelining") and transport is not None:
            # any stream transport (uvloop's are not asyncio.Transport subclasses)
            stream = cast(asyncio.Transport, transport)
            return _PipelinedSession(stream, self._settings.mailer_smtp_timeout_seconds)
        return _CommandSession(client)

    async def send(self, mail: OutgoingMail) -> str:
        if not mail.recipient.isascii():
            raise DeliveryFailed("the relay is not asked for SMTPUTF8 addresses", "rejected")
        content = mime.mime_bytes(mail)
        async with self._slots:
            session = await self._session()
            healthy = False
            try:
                await session.transaction(
                    _envelope(mail.sender), mail.recipient.encode("ascii"), content
                )
                healthy = True
            except _Refused:
                healthy = True  # an answer, not a broken connection
                raise
            finally:
                if healthy and session.usable:
                    self._idle.put_nowait(session)
                else:
                    session.close()
        return mail.headers.get("Message-ID", "")

    async def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()
