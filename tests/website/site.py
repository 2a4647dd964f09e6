"""A small German company website on loopback that embeds Auftakt's snippet the way the
docs say: the queue stub, then `<script src="…/t.js" async>` from the running capture.
A cookie banner of its own calls `auftakt('consent', …)`; /anfrage posts a plain HTML
form to capture's /v1/leads."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from auftakt_common.embedded import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

PHONE = "tel:+4940123456789"
WHATSAPP = "https://wa.me/4940123456789"

_PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>{title} – Musik für Firmen</title><link rel="icon" href="data:,">
<script>window.auftakt = window.auftakt || function () {{
  (auftakt.q = auftakt.q || []).push(arguments) }};</script>
<script src="{capture}/t.js" async{attributes}></script>
</head><body>
<div id="cookie-banner" role="dialog" aria-label="Datenschutz-Einstellungen">
  <p>Dürfen wir Ihren Besuch mit Auftakt auswerten, um Sie besser zu beraten?</p>
  <button type="button" onclick="auftakt('consent', true)">Alle akzeptieren</button>
  <button type="button" onclick="auftakt('consent', false)">Ablehnen</button>
</div>
<nav><a href="/">Start</a> · <a href="/preise">Preise</a> · <a href="/referenzen">Referenzen</a>
 · <a href="/anfrage">Anfrage</a></nav>
<main>{body}</main>
<footer><button type="button" onclick="auftakt('consent', false)">Einwilligung widerrufen</button>
</footer></body></html>"""

_HOME = """<h1>Livemusik für Ihr Firmenevent</h1>
<p>Bands für Weihnachtsfeier, Sommerfest und Jubiläum – deutschlandweit.</p>"""

_PRICES = f"""<h1>Preise</h1>
<p>Eine Band für Ihre Weihnachtsfeier gibt es ab 2.400 €.</p>
<p>Rufen Sie uns an: <a href="{PHONE}">040 123 456 789</a></p>
<p><a href="{WHATSAPP}" target="_blank" rel="noopener">Per WhatsApp schreiben</a></p>
<p><a href="mailto:info@musikfuerfirmen.example">E-Mail an uns</a></p>
<p><a href="/downloads/preisliste.pdf" target="_blank">Preisliste (PDF)</a>
 · <a href="/downloads/checkliste" download>Checkliste</a></p>
<p><button type="button" data-auftakt-event="calendar_booking_started">Beratungstermin buchen
</button></p>
<p><button type="button" id="merken" onclick="this.textContent = 'Gemerkt (' +
  (window.merkliste = (window.merkliste || 0) + 1) + ')'">Angebot merken</button></p>"""

_REFERENCES = """<h1>Referenzen</h1>
<p>Unser Showreel: so klingt eine Firmenfeier mit uns.</p>
<video id="showreel" src="/media/showreel.webm" preload="none" controls></video>"""

_ENQUIRY = """<h1>Unverbindliche Anfrage</h1>
<form id="anfrage" method="post" action="{capture}/v1/leads" accept-charset="UTF-8">
  <label>E-Mail-Adresse <input name="email" type="email" required></label>
  <label>Vorname <input name="first_name"></label>
  <label>Nachname <input name="last_name"></label>
  <label>Firma <input name="company_name"></label>
  <label>Anzahl der Gäste <input name="guest_count" type="number" min="1"></label>
  <label>Art des Events <select name="event_type"><option value="">Bitte wählen</option>
    <option value="weihnachtsfeier">Weihnachtsfeier</option>
    <option value="sommerfest">Sommerfest</option></select></label>
  <input name="homepage" tabindex="-1" autocomplete="off" style="display:none">
  <button>Anfrage senden</button>
</form>"""

_BOOKING = """<h1>Band buchen</h1>
<script src="{capture}/embed/calculator.js" async></script>
<script src="{capture}/embed/form/anfrage.js" async></script>"""

_APP = """<h1>Eventplaner</h1>
<p id="ansicht">Übersicht</p>
<button type="button" id="zu-bands" onclick="history.pushState({}, '', '/app/bands');
  document.getElementById('ansicht').textContent = 'Bands'">Bands ansehen</button>
<button type="button" id="filter" onclick="history.replaceState({}, '', '/app/bands?stil=jazz')"
  >Nur Jazz</button>"""


@dataclass
class Site:
    """The website; `capture` is where its pages load the snippet from."""

    capture: str
    port: int = field(default_factory=free_port)

    @property
    def origin(self) -> str:
        # a host name of its own: the site and capture (127.0.0.1) keep separate cookies
        return f"http://localhost:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def _page(self, request: Request, title: str, body: str) -> Response:
        attributes = ""
        if endpoint := request.query_params.get("endpoint"):  # a page that names its capture
            attributes = f' data-endpoint="{html.escape(endpoint)}"'
        page = _PAGE.format(title=title, capture=self.capture, attributes=attributes, body=body)
        return HTMLResponse(page)

    async def home(self, request: Request) -> Response:
        return self._page(request, "Start", _HOME)

    async def prices(self, request: Request) -> Response:
        return self._page(request, "Preise", _PRICES)

    async def references(self, request: Request) -> Response:
        return self._page(request, "Referenzen", _REFERENCES)

    async def enquiry(self, request: Request) -> Response:
        return self._page(request, "Anfrage", _ENQUIRY.format(capture=self.capture))

    async def booking(self, request: Request) -> Response:
        return self._page(request, "Band buchen", _BOOKING.format(capture=self.capture))

    async def planner(self, request: Request) -> Response:
        return self._page(request, "Eventplaner", _APP)

    async def download(self, request: Request) -> Response:
        return Response(b"%PDF-1.4\n", media_type="application/pdf")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.home),
                Route("/preise", self.prices),
                Route("/referenzen", self.references),
                Route("/anfrage", self.enquiry),
                Route("/buchen", self.booking),
                Route("/app", self.planner),
                Route("/app/{view:path}", self.planner),
                Route("/downloads/{name}", self.download),
            ]
        )
