"""Alert rounds: the queued alerts to sales handed to their channels (e-mail, Slack,
WhatsApp), failures retried with back-off, each delivery recorded with `notification.sent`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from auftakt_common.events import NotificationSent
from auftakt_common.outbox import OutboxRelay

from . import repository as repo
from .alerts import AlertFailed, AlertSender
from .outcomes import record_outcomes, retry_at
from .settings import MailerSettings

__all__ = ["AlertRounds"]

_log = structlog.get_logger("auftakt.mailer")


class AlertRounds:
    def __init__(
        self,
        *,
        relay: OutboxRelay,
        sender: AlertSender,
        settings: MailerSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._relay = relay
        self._sender = sender
        self._settings = settings
        self._clock = clock
        self._lease = timedelta(seconds=settings.mailer_send_lease_seconds)

    async def run_round(self) -> int:
        """Send the alerts that are due (and retry failed ones); how many were tried."""
        now = self._clock()
        async with self._relay.transaction() as conn:
            claimed = await repo.claim_notifications(conn, now, 100, self._lease)
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._alert(row) for row in claimed))
        await record_outcomes(
            self._relay, self._lease, repo.record_notification_results, list(results)
        )
        return len(results)

    async def _alert(self, notification: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": notification["id"],
            "status": "sent",
            "sent_at": self._clock(),
            "last_error": None,
            "next_attempt_at": None,
        }
        try:
            await self._sender.deliver(notification)
        except Exception as exc:  # AlertFailed, or a channel no longer configured
            attempts = notification["attempts"]
            give_up = attempts >= self._settings.mailer_max_attempts
            _log.warning(
                "alert failed" + (", given up" if give_up else ", will retry"),
                channel=notification["channel"],
                lead_id=str(notification["lead_id"]),
                error=str(exc),
            )
            if not isinstance(exc, AlertFailed):
                _log.exception("alert raised unexpectedly")
            return result | {
                "status": "failed" if give_up else "retry",
                "sent_at": None,
                "last_error": str(exc)[:500],
                "next_attempt_at": None if give_up else retry_at(self._clock(), attempts),
            }
        _log.info(
            "sales alerted",
            channel=notification["channel"],
            lead_id=str(notification["lead_id"]),
            stage=notification["stage"],
        )
        result["event"] = NotificationSent(
            lead_id=notification["lead_id"],
            notification_id=notification["id"],
            channel=notification["channel"],
            stage=notification["stage"],
            score=notification["score"],
            recipient=None if notification["channel"] == "slack" else notification["recipient"],
        )
        return result
