"""Hot-lead alerts to sales: an e-mail to the assigned rep (else the sales address), a
Slack incoming webhook and WhatsApp Cloud API messages. They carry stage, score, company,
event and the admin link: never the lead's name, address or phone (sales open the lead in
the admin for those)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from typing import Any

import httpx
from auftakt_common.event_types import event_type_title

from .delivery import DeliveryFailed, Transport
from .domain import GERMAN_MONTHS
from .messages import OutgoingMail
from .settings import MailerSettings

__all__ = ["AlertFailed", "AlertSender", "alert_mail", "alert_text"]

_STAGE_LABELS = {"burning": "🔥 BURNING", "hot": "🌶️ HOT", "warm": "WARM", "cold": "COLD"}


class AlertFailed(Exception):
    pass


def _event_label(event_type: str | None, event_date: dt.date | None) -> str:
    label = event_type_title(event_type) or "Event"
    if event_date:
        label += f" im {GERMAN_MONTHS[event_date.month - 1]} {event_date.year}"
    return label


def _plain(value: str) -> str:
    """Text from the public form, made inert: one line (WhatsApp refuses line breaks and
    runs of spaces in template parameters), and Slack's control characters escaped (no
    `<!channel>` pings or disguised links)."""
    one_line = " ".join(value.split())
    return one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_text(notification: Mapping[str, Any], lead_url: str) -> str:
    company = _plain(notification.get("company_name") or "Unbekannte Firma")
    event = _plain(_event_label(notification.get("event_type"), notification.get("event_date")))
    stage = _STAGE_LABELS.get(notification["stage"], notification["stage"].upper())
    return (
        f"{stage} Lead: {company} – {event} · Score {notification['score']}\n"
        f"Jetzt anrufen: {lead_url}"
    )


_STAGE_WORDS = {"burning": "brennt (burning)", "hot": "ist heiß (hot)"}


def alert_mail(
    notification: Mapping[str, Any], lead_url: str, sender: str, message_domain: str
) -> OutgoingMail:
    """The alert as an e-mail to a colleague (German; says what happened and what to do)."""
    stage = notification["stage"]
    company = " ".join((notification.get("company_name") or "Unbekannte Firma").split())
    event = _event_label(notification.get("event_type"), notification.get("event_date"))
    label = _STAGE_LABELS.get(stage, stage.upper())
    happened = (
        f"Ein Lead {_STAGE_WORDS.get(stage, f'ist jetzt {stage}')}: Score "
        f"{notification['score']} von 100."
    )
    todo = "Am besten jetzt anrufen – Kontakt, Verlauf und Punkte stehen auf der Lead-Seite."
    text = f"{happened}\n\nFirma: {company}\nEvent: {event}\n\n{todo}\n{lead_url}\n\n-- \nAuftakt"
    body = (
        f"<p>{html.escape(happened)}</p>"
        f"<p>Firma: {html.escape(company)}<br>Event: {html.escape(event)}</p>"
        f"<p>{html.escape(todo)}</p>"
        f'<p><a href="{html.escape(lead_url)}">Lead öffnen</a></p>'
    )
    return OutgoingMail(
        send_id=notification["id"],
        sender=sender,
        recipient=notification["recipient"],
        subject=f"{label} Lead: {company} – {event} · Score {notification['score']}",
        html=(
            '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            f"<title>{html.escape(label)} Lead</title></head>"
            f'<body style="font-family:Arial,Helvetica,sans-serif">{body}</body></html>'
        ),
        text=text,
        headers={"Message-ID": f"<alert-{notification['id']}@{message_domain}>"},
    )


class AlertSender:
    def __init__(self, settings: MailerSettings, transport: Transport) -> None:
        self._settings = settings
        self._transport = transport
        self._http = httpx.AsyncClient(timeout=settings.mailer_alert_timeout_seconds)

    def destinations(self, assignee_email: str | None) -> list[tuple[str, str]]:
        """(channel, recipient) for every alert: an e-mail to the assigned rep (else the
        sales address), the Slack webhook, each sales number."""
        settings = self._settings
        found = []
        if settings.mailer_alert_by_email:
            found.append(("email", assignee_email or settings.alert_address))
        if settings.mailer_slack_webhook_url:
            found.append(("slack", "webhook"))
        found += [("whatsapp", number) for number in settings.mailer_whatsapp_recipients]
        return found

    def lead_url(self, lead_id: object) -> str:
        return f"{self._settings.admin_url.rstrip('/')}/leads/{lead_id}"

    async def deliver(self, notification: Mapping[str, Any]) -> None:
        """Send one alert; AlertFailed when the channel did not take it."""
        if notification["channel"] == "email":
            await self._mail(notification)
            return
        try:
            if notification["channel"] == "slack":
                response = await self._slack(notification)
            else:
                response = await self._whatsapp(notification)
        except httpx.HTTPError as exc:
            raise AlertFailed(f"{notification['channel']} unreachable: {exc!r}") from exc
        if response.status_code >= 300:
            raise AlertFailed(
                f"{notification['channel']} answered {response.status_code}: {response.text[:200]}"
            )

    async def _mail(self, notification: Mapping[str, Any]) -> None:
        lead_url = self.lead_url(notification["lead_id"])
        settings = self._settings
        mail = alert_mail(notification, lead_url, settings.mailer_sender, settings.sender_domain)
        try:
            await self._transport.send(mail)
        except DeliveryFailed as exc:
            raise AlertFailed(f"email not taken: {exc}") from exc

    async def _slack(self, notification: Mapping[str, Any]) -> httpx.Response:
        url = self._settings.mailer_slack_webhook_url
        assert url is not None
        text = alert_text(notification, self.lead_url(notification["lead_id"]))
        return await self._http.post(url.get_secret_value(), json={"text": text})

    async def _whatsapp(self, notification: Mapping[str, Any]) -> httpx.Response:
        settings = self._settings
        token = settings.mailer_whatsapp_token
        assert token is not None
        lead_url = self.lead_url(notification["lead_id"])
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": notification["recipient"],
        }
        if settings.mailer_whatsapp_template:
            company = _plain(notification.get("company_name") or "Unbekannte Firma")
            event = _plain(
                _event_label(notification.get("event_type"), notification.get("event_date"))
            )
            parameters = [
                _STAGE_LABELS.get(notification["stage"], notification["stage"]),
                str(notification["score"]),
                f"{company} – {event}",
                lead_url,
            ]
            body |= {
                "type": "template",
                "template": {
                    "name": settings.mailer_whatsapp_template,
                    "language": {"code": settings.mailer_whatsapp_template_language},
                    "components": [
                        {
                            "type": "body",
                            "parameters": [{"type": "text", "text": p} for p in parameters],
                        }
                    ],
                },
            }
        else:  # free text reaches only numbers that wrote to the business in the last 24 h
            body |= {"type": "text", "text": {"body": alert_text(notification, lead_url)}}
        url = (
            f"{settings.mailer_whatsapp_url.rstrip('/')}/"
            f"{settings.mailer_whatsapp_phone_number_id}/messages"
        )
        return await self._http.post(
            url, json=body, headers={"Authorization": f"Bearer {token.get_secret_value()}"}
        )

    async def close(self) -> None:
        await self._http.aclose()
