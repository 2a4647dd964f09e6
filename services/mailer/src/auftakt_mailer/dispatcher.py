"""Sending what is due, in rounds; any number of processes share the work.

A round: (1) in one transaction, turn due enrolment steps into sends (rows locked with
SKIP LOCKED, so another process skips them), and claim due sends as `sending`; commit.
(2) Render and hand the mails to the transport, many at once. (3) In a second
transaction, record each outcome and write `email.sent` (or the bounce) to the outbox.

At most once: a send row is unique per (enrolment, step), and it is `sending` — committed
— before its mail leaves; nothing ever sends a `sending` row again except the abandoned
send recovery, which resends only through a transport that deduplicates by send id
(Resend's idempotency key, the file transport), and otherwise marks it `unknown`.
So a crash between handing a mail over and recording it never sends it twice. A round
that is still working renews its claims, so recovery never takes over a live round's
sends; stopping lets the round under way finish first.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from auftakt_common.events import EmailBounced, EmailHeld, EmailSent
from auftakt_common.outbox import OutboxRelay
from auftakt_common.vault_store import KeyStore

from . import repository as repo
from .alert_rounds import AlertRounds
from .composer import Composer, Held, Never, NotNow
from .domain import LeadFacts, SequenceDefinition, next_step, verdict_for
from .messages import OutgoingMail
from .outcomes import record_outcomes, retry_at
from .sequences import SequenceBook
from .settings import MailerSettings
from .transports import DeliveryFailed, Transport

__all__ = ["Dispatcher", "RoundResult"]

_log = structlog.get_logger("auftakt.mailer")

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class RoundResult:
    sent: int = 0
    failed: int = 0
    alerts: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.sent or self.failed or self.alerts)


class Dispatcher:
    def __init__(
        self,
        *,
        relay: OutboxRelay,
        keys: KeyStore,
        book: SequenceBook,
        transport: Transport,
        alerts: AlertRounds,
        composer: Composer,
        settings: MailerSettings,
        clock: Clock,
    ) -> None:
        self._relay = relay
        self._keys = keys
        self._book = book
        self._transport = transport
        self._alerts = alerts
        self._composer = composer
        self._settings = settings
        self._clock = clock
        self._consent_wait = timedelta(days=settings.doi_link_days)
        self._lease = timedelta(seconds=settings.mailer_send_lease_seconds)
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Something may be due now (a new send was queued): do not wait for the poll."""
        self._wake.set()

    def stop_after_round(self) -> None:
        """Finish the round under way (its mails left or not: recorded either way), then
        return from `run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Rounds until stopped, `mailer_rounds_in_flight` at a time; a busy round is
        followed at once by the next."""
        loops = self._settings.mailer_rounds_in_flight
        await asyncio.gather(*(self._rounds() for _ in range(loops)))

    async def _rounds(self) -> None:
        while not self._stopping:
            try:
                result = await self.run_round()
            except Exception as exc:  # the database may be away: try again next round
                _log.warning("dispatch round failed, retrying", error=repr(exc))
                result = RoundResult()
            if result.busy or self._stopping:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(
                    self._wake.wait(), self._settings.mailer_poll_interval_seconds
                )
            except TimeoutError:
                pass

    async def run_round(self) -> RoundResult:
        sent, failed = await self._send_round()
        alerts = await self._alerts.run_round()
        return RoundResult(sent=sent, failed=failed, alerts=alerts)

    # --- mail ----------------------------------------------------------------------------

    async def _send_round(self) -> tuple[int, int]:
        settings = self._settings
        now = self._clock()
        async with self._relay.transaction() as conn:
            sequences = await self._book.current(conn)
            await repo.reclaim_abandoned_sends(
                conn, now, self._lease, resend=self._transport.idempotent
            )
            profiles: dict[UUID, dict[str, Any]] = {}
            claimed = await self._materialise_due_steps(conn, sequences, now, profiles)
            room = settings.mailer_batch_size - len(claimed)
            if room > 0:  # mails queued otherwise (confirmation mails) and retries
                claimed += await repo.claim_sends(conn, now, room)
            if not claimed:
                return 0, 0
            lead_ids = list({row["lead_id"] for row in claimed})
            if missing := [lead_id for lead_id in lead_ids if lead_id not in profiles]:
                profiles |= await repo.lead_profiles(conn, missing)
            keys, unopenable = await self._keys.get_openable(conn, lead_ids)
            slots = await repo.month_slots(conn)

        if unopenable:
            _log.error("data keys do not open: is a master key missing?", leads=len(unopenable))
        results: list[dict[str, Any]] = []
        outgoing: list[tuple[dict[str, Any], OutgoingMail]] = []
        for send in claimed:
            try:
                if send["lead_id"] in unopenable:
                    raise NotNow("data key does not open")
                mail = self._composer.compose(send, profiles.get(send["lead_id"]), keys, slots)
            except NotNow as not_now:
                results.append(self._failure(send, DeliveryFailed(not_now.reason, "retry")))
            except Held as held:
                results.append(self._held(send, held))
            except Never as never:
                results.append(self._result(send, "cancelled", error=never.reason))
            except Exception as exc:  # a text that cannot render: this mail only, loudly
                _log.exception("mail could not be composed", send_id=str(send["id"]))
                results.append(self._result(send, "failed", error=f"compose: {exc!r}"[:500]))
            else:
                outgoing.append((send, mail))
        async with self._claims_renewed([send["id"] for send, _ in outgoing]):
            results += await self._deliver_all(outgoing)
        await record_outcomes(self._relay, self._lease, repo.record_send_results, results)
        sent = sum(1 for result in results if result["status"] == "sent")
        if results:
            _log.info("mails dispatched", sent=sent, other=len(results) - sent)
        return sent, len(results) - sent

    async def _deliver_all(
        self, outgoing: list[tuple[dict[str, Any], OutgoingMail]]
    ) -> list[dict[str, Any]]:
        """Hand the mails over, as many at once as there are connections: a few workers
        taking the next mail, not a task per mail waiting for a connection."""
        results: list[dict[str, Any]] = [{} for _ in outgoing]
        pending = iter(enumerate(outgoing))

        async def worker() -> None:
            for index, (send, mail) in pending:
                results[index] = await self._deliver(send, mail)

        workers = min(self._settings.mailer_connections, len(outgoing))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return results

    @contextlib.asynccontextmanager
    async def _claims_renewed(self, send_ids: list[UUID]) -> AsyncIterator[None]:
        """While the mails are under way, renew their claims every third of the lease."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self._lease.total_seconds() / 3)
                try:
                    async with self._relay.transaction() as conn:
                        await repo.renew_claims(conn, send_ids, self._clock())
                except Exception as exc:  # the next renewal may get through
                    _log.warning("could not renew claims", error=repr(exc))

        renewing = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewing.cancel()

    async def _materialise_due_steps(
        self,
        conn: Any,
        sequences: Mapping[UUID, SequenceDefinition],
        now: datetime,
        profiles: dict[UUID, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Due steps become sends, claimed by this round at once (`sending`, first
        attempt); enrolments move on to their next step, or wait, or end. The leads'
        profiles, read for the decision, are kept in `profiles` for composing."""
        due = await repo.due_enrolments(conn, now, self._settings.mailer_batch_size)
        if not due:
            return []
        profiles |= await repo.lead_profiles(conn, [row["lead_id"] for row in due], lock=True)
        facts = {lead_id: LeadFacts.of(profile) for lead_id, profile in profiles.items()}
        sends, updates = [], []
        for enrolment in due:
            sequence = sequences.get(enrolment["sequence_id"])
            position, due_at = enrolment["next_position"], enrolment["next_due_at"]
            step = sequence.step_at(position) if sequence else None
            update = {
                "id": enrolment["id"],
                "state": "active",
                "next_position": position,
                "next_due_at": due_at,
                "ended_at": None,
                "stop_reason": None,
            }
            if sequence is None or step is None:
                update |= {"state": "completed", "next_due_at": None, "ended_at": now}
                updates.append(update)
                continue
            if step.position != position:  # the due step was switched off or removed
                skipped = sequence.by_position(position)
                gap = step.delay_hours - (skipped.delay_hours if skipped else step.delay_hours)
                shifted = due_at + timedelta(hours=max(0, gap))
                if shifted > now:  # the next step keeps its own spacing
                    update |= {"next_position": step.position, "next_due_at": shifted}
                    updates.append(update)
                    continue
            verdict = verdict_for(
                facts.get(enrolment["lead_id"]),
                marketing=not step.transactional,
                now=now,
                consent_wait=self._consent_wait,
                enrolled_at=enrolment["enrolled_at"],
            )
            if verdict.action == "wait_for_lead":
                update["next_due_at"] = now + timedelta(minutes=1)
            elif verdict.action == "hold":
                # until the confirmation link expires; confirming releases it at once
                lead = facts.get(enrolment["lead_id"])
                requested = (lead.consent_requested_at if lead else None) or now
                update |= {
                    "state": "waiting_consent",
                    "next_due_at": requested + self._consent_wait,
                }
            elif verdict.action == "stop":
                update |= {
                    "state": "stopped",
                    "next_due_at": None,
                    "ended_at": now,
                    "stop_reason": verdict.reason,
                }
            else:
                sends.append(
                    {
                        "id": uuid.uuid4(),
                        "lead_id": enrolment["lead_id"],
                        "enrolment_id": enrolment["id"],
                        "sequence_id": sequence.id,
                        "position": step.position,
                        "kind": "sequence",
                        "marketing": not step.transactional,
                        "attempts": 1,
                        "created_at": now,
                        "context": enrolment["context"],
                    }
                )
                following = next_step(sequence, step.position, max(due_at, now))
                if following is None:
                    update |= {"state": "completed", "next_due_at": None, "ended_at": now}
                else:
                    update["next_position"], update["next_due_at"] = following
            updates.append(update)
        await repo.add_step_sends(conn, sends, now)
        await repo.update_enrolments(conn, updates)
        return sends

    async def _deliver(self, send: Mapping[str, Any], mail: OutgoingMail) -> dict[str, Any]:
        try:
            provider_id = await self._transport.send(mail)
        except DeliveryFailed as exc:
            return self._failure(send, exc)
        except Exception as exc:  # unexpected: it may have got as far as sending
            _log.exception("transport raised unexpectedly", send_id=str(send["id"]))
            return self._failure(send, DeliveryFailed(repr(exc), "maybe_sent"))
        sent = self._result(send, "sent", provider_message_id=provider_id or None)
        sent["sent_at"] = self._clock()
        sent["event"] = EmailSent(
            lead_id=send["lead_id"],
            send_id=send["id"],
            kind=send["kind"],
            sequence_key=self._sequence_key(send["sequence_id"]),
            step=send["position"],
            marketing=send["marketing"],
        )
        return sent

    def _held(self, send: Mapping[str, Any], held: Held) -> dict[str, Any]:
        _log.warning("mail held: data missing", send_id=str(send["id"]), missing=held.missing)
        result = self._result(send, "held", error=held.reason)
        sequence = self._book.cached(send["sequence_id"])
        result["event"] = EmailHeld(
            lead_id=send["lead_id"],
            send_id=send["id"],
            sequence_key=sequence.key if sequence else None,
            sequence_name=sequence.name if sequence else None,
            step=send["position"],
            missing=held.missing,
        )
        return result

    def _sequence_key(self, sequence_id: UUID | None) -> str | None:
        sequence = self._book.cached(sequence_id)
        return sequence.key if sequence else None

    def _failure(self, send: Mapping[str, Any], error: DeliveryFailed) -> dict[str, Any]:
        log = _log.bind(send_id=str(send["id"]), attempt=send["attempts"])
        message = str(error)[:500]
        if error.failure == "bounced":
            log.warning("address refused, lead suppressed", error=message)
            result = self._result(send, "failed", error=message)
            result["event"] = EmailBounced(
                lead_id=send["lead_id"], send_id=send["id"], permanent=True, reason=message
            )
            return result
        if error.failure == "rejected":
            log.error("mail rejected by the transport", error=message)
            return self._result(send, "failed", error=message)
        if error.failure == "maybe_sent" and not self._transport.idempotent:
            log.error("mail may have left: not resent (at most once)", error=message)
            return self._result(send, "unknown", error=message)
        if send["attempts"] >= self._settings.mailer_max_attempts:
            log.error("delivery given up", error=message)
            return self._result(send, "failed", error=message)
        log.warning("delivery failed, will retry", error=message)
        result = self._result(send, "retry", error=message)
        result["next_attempt_at"] = retry_at(self._clock(), send["attempts"])
        return result

    @staticmethod
    def _result(
        send: Mapping[str, Any],
        status: str,
        *,
        error: str | None = None,
        provider_message_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": send["id"],
            "status": status,
            "sent_at": None,
            "provider_message_id": provider_message_id,
            "last_error": error,
            "next_attempt_at": None,
        }
