"""The demo companies' websites on loopback, served by `auftakt run`: each company's home
page (schema.org and OpenGraph, as many real ones have) at `/<domain>/`, its imprint at
`/<domain>/impressum` and a privacy page, and a list of them all at `/`. Enrichment reads
them in place of the internet for exactly these domains (`enrichment_env`)."""

from __future__ import annotations

import json
import threading
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .demo_companies import DEMO_COMPANIES, DemoCompany

__all__ = ["DemoSites", "home_page", "impressum", "index_page"]

_BY_DOMAIN = {company.domain: company for company in DEMO_COMPANIES}
_PARTNERSHIP = "GmbH & Co. KG"
_BOARDS = ("AG", "SE")

_PAGE = """<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;
padding:0 1rem;color:#1d2731}}header,footer{{display:flex;gap:1rem;color:#5b6770}}
a{{color:#0b5cad}}h1{{font-size:1.8rem}}</style>
</head>
<body>
<header><strong>{name}</strong><nav><a href="./">Start</a> <a href="impressum">Impressum</a>
</nav></header>
<main>
{main}
</main>
<footer><span>© {name}</span><a href="impressum">Impressum</a>
<a href="datenschutz">Datenschutz</a></footer>
</body>
</html>
"""


def _page(company: DemoCompany, title: str, main: str, head: str = "") -> str:
    return _PAGE.format(title=escape(title), head=head, name=escape(company.name), main=main)


def _lines(*lines: str) -> str:
    return "<br>\n".join(escape(line) for line in lines)


def home_page(company: DemoCompany) -> str:
    """The home page: who the company is, in words and as schema.org data."""
    organisation = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": company.name,
        "legalName": company.legal_name,
        "url": f"https://www.{company.domain}/",
        "description": company.about,
        "foundingDate": str(company.founded),
        "knowsAbout": company.industry,
        "numberOfEmployees": {"@type": "QuantitativeValue", "value": company.employees},
        "address": {
            "@type": "PostalAddress",
            "streetAddress": company.street,
            "postalCode": company.postal_code,
            "addressLocality": company.city,
            "addressCountry": "DE",
        },
    }
    head = (
        f'<meta name="description" content="{escape(company.about)}">\n'
        f'<meta property="og:site_name" content="{escape(company.name)}">\n'
        f'<meta property="og:description" content="{escape(company.about)}">\n'
        '<script type="application/ld+json">'
        + json.dumps(organisation, ensure_ascii=False).replace("</", "<\\/")
        + "</script>\n"
    )
    employees = f"{company.employees:,}".replace(",", ".")
    main = (
        f"<h1>{escape(company.name)}</h1>\n<p>{escape(company.about)}</p>\n"
        f"<p>Seit {company.founded} · {employees} Mitarbeitende · {escape(company.city)}</p>"
    )
    return _page(company, f"{company.name} – {company.industry}", main, head)


def _management(company: DemoCompany) -> str:
    people = company.management
    if company.legal_form in _BOARDS:
        board = [f"{people[0]} (Vorsitz)", *people[1:]]
        return (
            f"<p><strong>Vorstand:</strong> {escape(', '.join(board))}<br>\n"
            f"<strong>Vorsitz des Aufsichtsrats:</strong> "
            f"{escape(company.supervisory_chair or '')}</p>"
        )
    if company.legal_form == "e.K.":
        return f"<p><strong>Inhaber:</strong> {escape(people[0])}</p>"
    if company.legal_form == _PARTNERSHIP:
        return (
            "<p><strong>Persönlich haftende Gesellschafterin:</strong><br>\n"
            f"{escape(company.name)} Verwaltungs-GmbH, Sitz {escape(company.city)}<br>\n"
            f"{escape(company.register_court)}, {company.general_partner_register}</p>\n"
            f"<p>Diese vertreten durch die Geschäftsführung: {escape(', '.join(people))}</p>"
        )
    return f"<p><strong>Vertreten durch die Geschäftsführung:</strong><br>\n{_lines(*people)}</p>"


def impressum(company: DemoCompany) -> str:
    """The imprint a German company must publish (§ 5 DDG)."""
    vat = company.vat_id
    contact = [f"Telefon: {company.phone}"] if company.phone else []
    contact.append(f"E-Mail: info@{company.domain}")
    register = "Handelsregister" if company.register_number.startswith("HR") else "Register"
    place = f"{company.postal_code} {company.city}"
    address = _lines(company.legal_name, company.street, place, "Deutschland")
    main = f"""<h1>Impressum</h1>
<p>Angaben gemäß § 5 DDG</p>
<p>{address}</p>
<h2>Kontakt</h2>
<p>{_lines(*contact)}</p>
<h2>Registereintrag</h2>
<p>Eintragung im {register}.<br>
Registergericht: {escape(company.register_court)}<br>
Registernummer: {escape(company.register_number)}</p>
{_management(company)}
<h2>Umsatzsteuer-ID</h2>
<p>Umsatzsteuer-Identifikationsnummer gemäß § 27 a Umsatzsteuergesetz:<br>
{vat[:2]} {vat[2:5]} {vat[5:8]} {vat[8:]}</p>
<h2>Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV</h2>
<p>{escape(company.management[0])}, Anschrift wie oben</p>
<p><small>Ein fiktives Unternehmen der Auftakt-Demo.</small></p>"""
    return _page(company, f"Impressum – {company.legal_name}", main)


def _privacy(company: DemoCompany) -> str:
    main = (
        "<h1>Datenschutzerklärung</h1>\n<p>Verantwortlich: "
        f"{escape(company.legal_name)}, {escape(company.street)}, "
        f"{company.postal_code} {escape(company.city)}.</p>\n"
        "<p>Diese Demo-Website setzt keine Cookies und speichert keine Zugriffe.</p>"
    )
    return _page(company, f"Datenschutz – {company.legal_name}", main)


def index_page() -> str:
    """Every demo company's website, listed."""
    items = "\n".join(
        f'<li><a href="/{domain}/">{escape(company.legal_name)}</a> – '
        f"{escape(company.industry)}, {escape(company.city)}</li>"
        for domain, company in sorted(_BY_DOMAIN.items())
    )
    return (
        '<!doctype html><html lang="de"><head><meta charset="utf-8">'
        "<title>Auftakt-Demo: Firmen-Websites</title></head><body>"
        "<h1>Die Firmen der Auftakt-Demo</h1><p>Fiktive Unternehmen; Auftakts Anreicherung "
        f"liest ihre Startseite und ihr Impressum von hier.</p><ul>\n{items}\n</ul>"
        "</body></html>"
    )


_PAGES = {"": home_page, "impressum": impressum, "datenschutz": _privacy}


def _page_at(path: str) -> str | None:
    """The page a request path names, or None."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    if path == "/":
        return index_page()
    domain, slash, rest = path.lstrip("/").partition("/")
    company = _BY_DOMAIN.get(domain)
    render = _PAGES.get(rest.rstrip("/")) if slash else None
    return render(company) if company is not None and render is not None else None


class _Handler(BaseHTTPRequestHandler):
    server_version = "AuftaktDemoSites/1"

    def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
        html = _page_at(self.path)
        if html is None and self.path.lstrip("/") in _BY_DOMAIN:  # "/elbwerk.de" → its page
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = HTTPStatus.OK if html is not None else HTTPStatus.NOT_FOUND
        body = (html or "<h1>Seite nicht gefunden</h1>").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the base's name
        """Quiet: enrichment's own log says what it read."""


class DemoSites:
    """The demo companies' websites, served from a thread on 127.0.0.1:`port`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enrichment_env(self) -> dict[str, str]:
        """The settings that make enrichment read the demo domains here."""
        return {
            "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_DOMAINS": ",".join(sorted(_BY_DOMAIN)),
            "AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL": f"{self.url}/{{domain}}/",
        }

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]  # the port given, or the one chosen for 0
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
