"""Fake company websites on loopback, standing in for the internet: each domain's home
page and imprint under `/sites/<domain>/`; counts the requests per domain, and can fail
(500) or hang for chosen domains."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from auftakt_common.embedded import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

HOME = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>{name} – Events mit Herz</title>
<meta property="og:site_name" content="{name}">
<meta property="og:description" content="Firmenfeiern und Galas in ganz Deutschland.">
<script type="application/ld+json">{{"@context": "https://schema.org",
 "@type": "Organization", "name": "{name}", "url": "https://www.{domain}/",
 "numberOfEmployees": {{"@type": "QuantitativeValue", "value": {employees}}},
 "sameAs": ["https://www.linkedin.com/company/{slug}"]}}</script>
</head><body><header><nav><a href="leistungen">Leistungen</a></nav></header>
<main><h1>Willkommen bei {name}</h1></main>
<footer><a href="impressum">Impressum</a> · <a href="datenschutz">Datenschutz</a></footer>
</body></html>"""

IMPRESSUM = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Impressum – {name}</title></head><body><main>
<h1>Impressum</h1>
<p>Angaben gemäß § 5 DDG</p>
<p>{name}<br>Speicherstadt 12<br>20457 Hamburg</p>
<p><strong>Vertreten durch die Geschäftsführerin:</strong><br>Dr. Katrin Albers</p>
<p>Telefon: +49 40 123456-0<br>E-Mail: info [at] {domain}</p>
<p><strong>Registereintrag:</strong><br>Eintragung im Handelsregister.<br>
Registergericht: Amtsgericht Hamburg<br>Registernummer: HRB 123456</p>
<p><strong>Umsatzsteuer-ID:</strong><br>Umsatzsteuer-Identifikationsnummer gemäß § 27 a
Umsatzsteuergesetz: DE 123 456 789</p>
</main></body></html>"""


@dataclass
class Sites:
    port: int = field(default_factory=free_port)
    requests: Counter[str] = field(default_factory=Counter)  # per domain
    failing: set[str] = field(default_factory=set)  # 500 for these domains
    hanging: set[str] = field(default_factory=set)  # never answer in time
    employees: int = 250

    @property
    def url_template(self) -> str:
        return f"http://127.0.0.1:{self.port}/sites/{{domain}}/"

    async def page(self, request: Request) -> Response:
        domain = request.path_params["domain"]
        self.requests[domain] += 1
        if domain in self.failing:
            return Response("Interner Fehler", status_code=500)
        if domain in self.hanging:
            await asyncio.sleep(5)  # longer than the fetch timeout of the tests (1 s)
        name = " ".join(part.capitalize() for part in domain.split(".")[0].split("-"))
        name = name.replace(" Gmbh", " GmbH")
        values = {
            "name": name,
            "domain": domain,
            "slug": domain.split(".")[0],
            "employees": self.employees,
        }
        template = IMPRESSUM if request.path_params.get("page") == "impressum" else HOME
        return HTMLResponse(template.format(**values))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/sites/{domain}/", self.page),
                Route("/sites/{domain}/{page}", self.page),
            ]
        )
