"""The website fetcher against real HTTP(S) servers on loopback, and against
`httpx.MockTransport` where a test needs a *public* first hop (a loopback server is itself
an address the default limits refuse); the demo's local company websites, reachable only
as configured."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from auftakt_common.embedded import free_port
from auftakt_enrichment.fetch import (
    FetchFailed,
    FetchLimits,
    FetchRefused,
    SafeFetcher,
    origin,
    resolve_host,
)
from auftakt_enrichment.providers import ProviderFailed
from auftakt_enrichment.settings import EnrichmentSettings
from auftakt_enrichment.website import WebsiteProvider
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]

LOOPBACK = FetchLimits(allow_private=True, total_timeout=2.0)
PUBLIC_ADDRESS = "93.184.215.14"
SITE = "www.beispiel-gmbh.de"
MIB = 1024 * 1024


@dataclass
class Received:
    path: str
    headers: dict[str, str]


@dataclass
class FakeSite:
    """A company website on loopback: a minimal HTTP/1.1 server answering by path, one
    request per connection, that keeps what it was asked."""

    routes: dict[str, Handler] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1]
            headers = dict(line.split(": ", 1) for line in head[1:] if line)
            self.received.append(Received(path, {k.lower(): v for k, v in headers.items()}))
            await self.routes.get(path, answer(404, b"nicht gefunden"))(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the fetcher hung up early, as it should on a page too large
        finally:
            writer.close()

    def hang(self) -> Handler:
        """A handler that never answers (until the site shuts down)."""

        async def hanging(writer: asyncio.StreamWriter) -> None:
            await self.closing.wait()

        return hanging


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [
        f"HTTP/1.1 {status} X",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(
    status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8", **headers: str
) -> Handler:
    """A handler sending one complete response."""

    async def answering(writer: asyncio.StreamWriter) -> None:
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        writer.write(_head(status, all_headers | headers) + body)
        await writer.drain()

    return answering


def redirect(location: str) -> Handler:
    return answer(302, content_type="text/html", Location=location)


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    fake = FakeSite()
    server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    yield fake
    fake.closing.set()
    server.close()
    await server.wait_closed()


def resolving(table: dict[str, list[str]]) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver answering from `table`, standing in for DNS."""

    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


class PublicSite:
    """A public web server as `httpx.MockTransport` sees it: answers by path, keeps the
    requests; the real fetcher code runs, only the network is replaced."""

    def __init__(self, routes: dict[str, httpx.Response]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.routes.get(request.url.path, httpx.Response(404))

        return httpx.MockTransport(handle)


async def test_a_page_on_a_loopback_site_is_fetched_with_its_final_url_after_a_redirect(
    site: FakeSite,
) -> None:
    site.routes["/"] = redirect("/start?lang=de")
    site.routes["/start?lang=de"] = answer(200, "<h1>Willkommen bei Müller</h1>".encode())

    async with SafeFetcher(LOOPBACK) as fetcher:
        page = await fetcher.get(f"{site.url}/")

    assert page.url == f"{site.url}/start?lang=de"
    assert page.status == 200
    assert "Willkommen bei Müller" in page.html
    assert [r.path for r in site.received] == ["/", "/start?lang=de"]
    assert site.received[0].headers["user-agent"].startswith("AuftaktBot/")


async def test_a_page_without_a_declared_charset_is_decoded_by_its_meta_charset(
    site: FakeSite,
) -> None:
    html = '<meta charset="iso-8859-1"><p>Gesch&auml;ftsf\u00fchrer: J\u00fcrgen Wei\u00df</p>'
    site.routes["/"] = answer(200, html.encode("latin-1"), content_type="text/html")

    async with SafeFetcher(LOOPBACK) as fetcher:
        page = await fetcher.get(f"{site.url}/")

    assert "Jürgen Weiß" in page.html


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/?email=anna@example.de", "127.0.0.1 is a loopback address"),
        ("http://localhost:{port}/", "localhost is a local name"),
        ("http://169.254.169.254/latest/meta-data/", "is a link-local address"),
        ("http://[::1]:{port}/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/", "is a loopback address"),
        ("http://10.0.0.5/", "10.0.0.5 is a private address"),
        ("http://0.0.0.0:{port}/", "0.0.0.0 is an unspecified address"),
        ("http://100.64.0.1/", "is a shared (CGNAT) address"),
    ],
)
async def test_internal_addresses_are_refused_before_any_request(
    site: FakeSite, url: str, why: str
) -> None:
    site.routes["/"] = answer(200, b"<p>intern</p>")

    async with SafeFetcher(FetchLimits()) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.get(url.format(port=site.port))

    assert why in str(refused.value)
    assert "anna" not in str(refused.value)  # form URLs may carry personal data
    assert site.received == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://www.beispiel-gmbh.de/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://www.beispiel-gmbh.de:8080/", "port 8080 is not 80 or 443"),
        ("http://admin:geheim@www.beispiel-gmbh.de/", "credentials"),
        ("http://intranet/", "intranet is a local name"),
    ],
)
async def test_urls_outside_plain_public_web_pages_are_refused(url: str, why: str) -> None:
    public = PublicSite({"/": httpx.Response(200, html="<p>hallo</p>")})
    resolve = resolving({SITE: [PUBLIC_ADDRESS]})

    async with SafeFetcher(FetchLimits(), resolve=resolve, transport=public.transport()) as f:
        with pytest.raises(FetchRefused, match=why):
            await f.get(url)

    assert public.requests == []


async def test_the_system_resolver_gives_every_address_of_a_name() -> None:
    addresses = await resolve_host("localhost", 80)

    assert "127.0.0.1" in addresses
    assert len(addresses) == len(set(addresses))


@pytest.mark.parametrize(
    "addresses",
    [["10.1.2.3"], [PUBLIC_ADDRESS, "127.0.0.1"], ["2a00:1450:4001:82b::2003", "fd00::1"]],
    ids=["private", "public-and-private", "public-and-unique-local-v6"],
)
async def test_a_name_resolving_to_any_private_address_is_refused(addresses: list[str]) -> None:
    public = PublicSite({"/": httpx.Response(200, html="<p>hallo</p>")})
    resolve = resolving({SITE: addresses})

    async with SafeFetcher(FetchLimits(), resolve=resolve, transport=public.transport()) as f:
        with pytest.raises(FetchRefused, match=f"{SITE} resolves to"):
            await f.get(f"https://{SITE}/")

    assert public.requests == []


async def test_the_request_goes_to_the_checked_address_even_if_the_name_rebinds() -> None:
    public = PublicSite({"/": httpx.Response(200, html="<p>hallo</p>")})
    answers = iter([[PUBLIC_ADDRESS], ["127.0.0.1"]])  # a rebinding DNS server's answers

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async with SafeFetcher(FetchLimits(), resolve=rebinding, transport=public.transport()) as f:
        page = await f.get(f"https://{SITE}/")

    (request,) = public.requests
    assert request.url.host == PUBLIC_ADDRESS
    assert request.headers["host"] == SITE
    assert request.extensions["sni_hostname"] == SITE
    assert page.url == f"https://{SITE}/"


@pytest.mark.parametrize(
    "location", ["http://10.0.0.5/admin", "http://intern.beispiel-gmbh.de/", "http://[fe80::1]/"]
)
async def test_a_redirect_from_a_public_site_to_a_private_address_is_refused(
    location: str,
) -> None:
    public = PublicSite({"/": httpx.Response(302, headers={"Location": location})})
    resolve = resolving({SITE: [PUBLIC_ADDRESS], "intern.beispiel-gmbh.de": ["192.168.1.20"]})

    async with SafeFetcher(FetchLimits(), resolve=resolve, transport=public.transport()) as f:
        with pytest.raises(FetchRefused, match="(a private|a link-local) address"):
            await f.get(f"https://{SITE}/")

    assert len(public.requests) == 1


async def test_a_redirect_to_the_same_name_is_checked_again() -> None:
    public = PublicSite({"/": httpx.Response(302, headers={"Location": "/impressum"})})
    answers = iter([[PUBLIC_ADDRESS], ["127.0.0.1"]])  # the name rebinds between hops

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async with SafeFetcher(FetchLimits(), resolve=rebinding, transport=public.transport()) as f:
        with pytest.raises(FetchRefused, match=f"{SITE} resolves to 127.0.0.1, a loopback"):
            await f.get(f"https://{SITE}/")

    assert [r.url.path for r in public.requests] == ["/"]


async def test_a_page_declared_larger_than_the_limit_fails_before_its_body_is_read(
    site: FakeSite,
) -> None:
    async def declaring_large(writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "text/html", "Content-Length": str(5 * MIB)}))
        await site.closing.wait()  # the body never comes: reading it would time out

    site.routes["/"] = declaring_large

    async with SafeFetcher(LOOPBACK) as fetcher:
        with pytest.raises(FetchFailed, match="larger than") as failed:
            await fetcher.get(f"{site.url}/")

    assert failed.value.retryable is False


async def test_a_page_of_two_and_a_half_mib_fails_as_too_large_without_reading_all_of_it(
    site: FakeSite,
) -> None:
    async def streaming_large(writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "text/html"}))  # no length: until close
        for _ in range(2 * 16 + 1):  # 2 MiB and one chunk more, of 2.5 MiB
            writer.write(b"<p>" + b"x" * (64 * 1024 - 3))
            await writer.drain()
        await site.closing.wait()  # the last 0.5 MiB never comes: reading it would time out

    site.routes["/"] = streaming_large

    async with SafeFetcher(LOOPBACK) as fetcher:
        with pytest.raises(FetchFailed, match="larger than") as failed:
            await fetcher.get(f"{site.url}/")

    assert failed.value.retryable is False


async def test_a_pdf_fails_as_not_html(site: FakeSite) -> None:
    site.routes["/"] = answer(200, b"%PDF-1.7", content_type="application/pdf")

    async with SafeFetcher(LOOPBACK) as fetcher:
        with pytest.raises(FetchFailed, match="application/pdf, not HTML") as failed:
            await fetcher.get(f"{site.url}/")

    assert failed.value.retryable is False


async def test_a_server_that_never_answers_fails_after_the_time_budget_and_may_be_retried(
    site: FakeSite,
) -> None:
    site.routes["/"] = site.hang()
    started = time.monotonic()

    async with SafeFetcher(FetchLimits(allow_private=True, total_timeout=0.5)) as fetcher:
        with pytest.raises(FetchFailed, match="timed out") as failed:
            await fetcher.get(f"{site.url}/")

    assert failed.value.retryable is True
    assert time.monotonic() - started < 2


async def test_a_closed_port_fails_and_may_be_retried() -> None:
    async with SafeFetcher(LOOPBACK) as fetcher:
        with pytest.raises(FetchFailed, match="connection failed") as failed:
            await fetcher.get(f"http://127.0.0.1:{free_port()}/")

    assert failed.value.retryable is True


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True)])
async def test_server_errors_and_rate_limits_may_be_retried(
    site: FakeSite, status: int, retryable: bool
) -> None:
    site.routes["/"] = answer(status, b"<p>Fehler</p>")

    async with SafeFetcher(LOOPBACK) as fetcher:
        with pytest.raises(FetchFailed, match=f"HTTP {status}") as failed:
            await fetcher.get(f"{site.url}/")

    assert failed.value.retryable is retryable


async def test_a_missing_page_may_not_be_retried(site: FakeSite) -> None:
    async with SafeFetcher(LOOPBACK) as fetcher:
        with pytest.raises(FetchFailed, match="HTTP 404") as failed:
            await fetcher.get(f"{site.url}/impressum")

    assert failed.value.retryable is False


async def test_three_redirects_are_followed_and_a_fourth_fails(site: FakeSite) -> None:
    for hop in range(1, 5):
        site.routes[f"/{hop}"] = redirect(f"/{hop + 1}")
    site.routes["/5"] = answer(200, b"<p>angekommen</p>")

    async with SafeFetcher(LOOPBACK) as fetcher:
        page = await fetcher.get(f"{site.url}/2")
        with pytest.raises(FetchFailed, match="more than 3 redirects") as failed:
            await fetcher.get(f"{site.url}/1")

    assert page.url == f"{site.url}/5"
    assert [r.path for r in site.received] == ["/2", "/3", "/4", "/5", "/1", "/2", "/3", "/4"]
    assert failed.value.retryable is False


async def test_a_site_the_operator_serves_locally_is_read_there_and_nothing_else_is(
    site: FakeSite,
) -> None:
    site.routes["/"] = redirect("/start")
    site.routes["/start"] = answer(200, b"<p>Elbwerk Logistik GmbH</p>")
    other = FakeSite()
    server = await asyncio.start_server(other.serve, "127.0.0.1", 0)
    other.port = server.sockets[0].getsockname()[1]
    limits = FetchLimits(local_origins=frozenset({origin(site.url)}), total_timeout=2.0)
    try:
        async with SafeFetcher(limits) as fetcher:
            page = await fetcher.get(f"{site.url}/")
            for elsewhere, why in (
                (f"{other.url}/", "127.0.0.1 is a loopback address"),  # another port
                (f"http://localhost:{site.port}/", "localhost is a local name"),  # other name
                ("http://10.0.0.5/", "10.0.0.5 is a private address"),
            ):
                with pytest.raises(FetchRefused, match=why):
                    await fetcher.get(elsewhere)
    finally:
        other.closing.set()
        server.close()
        await server.wait_closed()

    assert "Elbwerk" in page.html and page.url == f"{site.url}/start"
    assert other.received == []


async def test_a_local_site_cannot_send_the_fetcher_anywhere_else(site: FakeSite) -> None:
    site.routes["/"] = redirect("http://10.0.0.5/admin")
    limits = FetchLimits(local_origins=frozenset({origin(site.url)}), total_timeout=2.0)

    async with SafeFetcher(limits) as fetcher:
        with pytest.raises(FetchRefused, match="10.0.0.5: a local site's redirect leaves it"):
            await fetcher.get(f"{site.url}/")


async def test_a_public_site_cannot_redirect_into_the_local_site() -> None:
    local = "http://127.0.0.1:8090"
    public = PublicSite({"/": httpx.Response(302, headers={"Location": f"{local}/geheim"})})
    resolve = resolving({SITE: [PUBLIC_ADDRESS]})
    limits = FetchLimits(local_origins=frozenset({origin(local)}))

    async with SafeFetcher(limits, resolve=resolve, transport=public.transport()) as fetcher:
        with pytest.raises(FetchRefused, match="127.0.0.1 is a loopback address"):
            await fetcher.get(f"https://{SITE}/")

    assert len(public.requests) == 1


async def test_only_the_demo_domains_are_read_locally_every_other_domain_as_always(
    site: FakeSite,
) -> None:
    site.routes["/elbwerk-logistik.de/"] = answer(200, b"<title>Elbwerk</title>")
    local_url = f"{site.url}/{{domain}}/"
    resolve = resolving({"angreifer.de": ["127.0.0.1"]})  # a lead's domain pointing at us
    limits = FetchLimits(local_origins=frozenset({origin(site.url)}), total_timeout=2.0)
    provider = WebsiteProvider(
        SafeFetcher(limits, resolve=resolve),
        local_domains={"elbwerk-logistik.de"},
        local_url_template=local_url,
    )
    try:
        assert provider.home_page_url("elbwerk-logistik.de") == f"{site.url}/elbwerk-logistik.de/"
        assert provider.home_page_url("angreifer.de") == "https://angreifer.de/"
        await provider.company("elbwerk-logistik.de")
        with pytest.raises(ProviderFailed, match="angreifer.de resolves to 127.0.0.1"):
            await provider.company("angreifer.de")
    finally:
        await provider.aclose()

    assert [r.path for r in site.received][:1] == ["/elbwerk-logistik.de/"]
    assert not any("angreifer" in r.path for r in site.received)


def test_local_websites_are_for_demos_with_a_url_naming_the_domain(
    secrets: dict[str, str],
) -> None:
    base = {
        **secrets,
        "database_url": "postgresql+asyncpg://auftakt@127.0.0.1:1/auftakt",
        "nats_url": "nats://127.0.0.1:1",
        "public_url": "https://www.musikfuerfirmen.de",
        "enrichment_website_local_domains": "Elbwerk-Logistik.de, rheinfeder-bau.de",
    }
    url = "http://127.0.0.1:8090/{domain}/"
    settings = EnrichmentSettings.model_validate({**base, "enrichment_website_local_url": url})
    assert settings.enrichment_website_local_domains == ["elbwerk-logistik.de", "rheinfeder-bau.de"]
    assert settings.website_local_origins == {"http://127.0.0.1:8090"}
    for wrong in ({}, {"enrichment_website_local_url": "http://127.0.0.1:8090/"}):
        with pytest.raises(ValidationError, match="AUFTAKT_ENRICHMENT_WEBSITE_LOCAL_URL"):
            EnrichmentSettings.model_validate({**base, **wrong})
    with pytest.raises(ValidationError, match="not for production"):
        EnrichmentSettings.model_validate(
            {**base, "env": "production", "enrichment_website_local_url": url}
        )


def _certificate_for(name: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for `name` and its key, the site's own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "site.pem", folder / "site.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_https_to_the_checked_address_verifies_the_certificate_for_the_site_name(
    tmp_path: Path,
) -> None:
    cert, key = _certificate_for(SITE, tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    site = FakeSite(routes={"/": answer(200, b"<p>sicher</p>")})
    server = await asyncio.start_server(site.serve, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    resolve = resolving({SITE: ["127.0.0.1"], "www.andere-firma.de": ["127.0.0.1"]})
    trusting_the_site = ssl.create_default_context(cafile=cert)
    try:
        async with SafeFetcher(
            LOOPBACK, resolve=resolve, transport=httpx.AsyncHTTPTransport(verify=trusting_the_site)
        ) as fetcher:
            page = await fetcher.get(f"https://{SITE}:{port}/")
            with pytest.raises(FetchFailed, match="connection failed"):
                await fetcher.get(f"https://www.andere-firma.de:{port}/")
    finally:
        site.closing.set()
        server.close()
        await server.wait_closed()

    assert "sicher" in page.html
    assert site.received[0].headers["host"] == f"{SITE}:{port}"
