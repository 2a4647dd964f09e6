"""Fetching a company's web pages from a domain typed into a form: public addresses only,
bounded in time and size, and errors that name nothing but the host."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

import httpx

__all__ = [
    "FetchFailed",
    "FetchLimits",
    "FetchRefused",
    "Page",
    "Resolver",
    "SafeFetcher",
    "origin",
    "resolve_host",
]

Resolver = Callable[[str, int], Awaitable[list[str]]]
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# ranges `ipaddress` does not name, or files under "private" in Python 3.11
_SPECIAL_NETWORKS = (
    ("a shared (CGNAT) address", ipaddress.ip_network("100.64.0.0/10")),
    ("a documentation address", ipaddress.ip_network("192.0.2.0/24")),
    ("a documentation address", ipaddress.ip_network("198.51.100.0/24")),
    ("a documentation address", ipaddress.ip_network("203.0.113.0/24")),
    ("a documentation address", ipaddress.ip_network("2001:db8::/32")),
    ("a benchmarking address", ipaddress.ip_network("198.18.0.0/15")),
)
# IPv6 forms that carry an IPv4 address in their last 32 bits (NAT64, IPv4-compatible)
_EMBEDDING_V4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


class FetchRefused(Exception):
    """A target we will not contact; the message names the host and why."""

    retryable = False


class FetchFailed(Exception):
    """The site gave us no usable page; `retryable` says whether trying later may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Page:
    """An HTML page as fetched: its final URL after redirects, status and decoded text."""

    url: str
    status: int
    html: str


@dataclass(frozen=True)
class FetchLimits:
    """How far a fetch may go: time, size, redirects, content types and address ranges."""

    connect_timeout: float = 3.0  # seconds
    total_timeout: float = 10.0  # seconds per get(), DNS and redirects included
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 3
    content_types: frozenset[str] = frozenset({"text/html", "application/xhtml+xml"})
    allow_private: bool = False  # tests only: reach fake sites on loopback, on any port
    user_agent: str = "AuftaktBot/0.1 (+https://auftakt.example/bot)"
    # demos only: origins ("http://127.0.0.1:8090") where the operator serves websites
    # itself; a fetch that starts at one may reach it whatever its address, and nothing else
    local_origins: frozenset[str] = frozenset()


async def resolve_host(host: str, port: int) -> list[str]:
    """All IPv4 and IPv6 addresses of `host`, in the system resolver's order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(address: _Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, compatible), if any."""
    if not isinstance(address, ipaddress.IPv6Address) or address.is_loopback:
        return None  # ::1 lies in ::/96 but carries nothing
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if any(address in network for network in _EMBEDDING_V4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _non_public_kind(address: _Address) -> str | None:
    """What kind of non-public address this is ("a loopback address", …); None if public."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and (kind := _non_public_kind(embedded)):
        return kind
    flags = (
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
    )
    for kind, flag in flags:
        if flag:
            return kind
    for kind, network in _SPECIAL_NETWORKS:
        if address in network:
            return kind
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    return None if address.is_global else "a non-public address"


def _checked_url(url: str | httpx.URL) -> httpx.URL:
    """`url` parsed, if it is http(s) with a host and no credentials; refused otherwise."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise FetchRefused("not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchRefused(f"{parsed.scheme or 'no'} scheme, only http and https are fetched")
    if not parsed.raw_host:
        raise FetchRefused("a URL without a host")
    if parsed.userinfo:
        raise FetchRefused(f"{parsed.raw_host.decode('ascii')}: URLs with credentials are refused")
    return parsed


def origin(url: str | httpx.URL) -> str:
    """The URL's origin as `scheme://host:port`, with the scheme's default port spelled out."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.raw_host.decode('ascii').lower()}:{port}"


def _decoded(body: bytes, declared: str | None) -> str:
    """The body as text: in its declared charset, else its <meta charset>, else UTF-8."""
    sniffed = _META_CHARSET.search(body[:4096])
    for charset in (declared, sniffed.group(1).decode("ascii") if sniffed else None):
        if charset:
            try:
                return body.decode(charset, errors="replace")
            except LookupError:
                continue
    return body.decode("utf-8", errors="replace")


class SafeFetcher:
    """GETs web pages of public sites, checking every hop before it connects."""

    def __init__(
        self,
        limits: FetchLimits,
        *,
        resolve: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._limits = limits
        self._resolve = resolve or resolve_host
        # no kept-alive connections: the pool is keyed by IP address, and a TLS connection
        # verified for one name must not be reused for another name on the same address
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                retries=0, limits=httpx.Limits(max_keepalive_connections=0)
            )
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout),
            follow_redirects=False,
            trust_env=False,  # no proxies or .netrc from the environment
            headers={
                "User-Agent": limits.user_agent,
                "Accept": "text/html, application/xhtml+xml;q=0.9",
                "Accept-Language": "de, en;q=0.5",
                # compressed bodies could inflate far past max_bytes within one chunk
                "Accept-Encoding": "identity",
            },
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the connections."""
        await self._client.aclose()

    async def get(self, url: str) -> Page:
        """The HTML page at `url`, following at most `max_redirects` checked redirects."""
        target = _checked_url(url)
        local = origin(target) if origin(target) in self._limits.local_origins else None
        try:
            async with asyncio.timeout(self._limits.total_timeout):
                for _ in range(self._limits.max_redirects + 1):
                    if local is None:
                        address = await self._checked_address(target)
                    elif origin(target) == local:
                        address = await self._any_address(target)
                    else:
                        raise FetchRefused(f"{_host(target)}: a local site's redirect leaves it")
                    answer = await self._get_once(target, address)
                    if isinstance(answer, Page):
                        return answer
                    target = answer
        except TimeoutError:
            raise FetchFailed(f"{_host(target)} timed out", retryable=True) from None
        limit = self._limits.max_redirects
        raise FetchFailed(f"{_host(target)}: more than {limit} redirects", retryable=False)

    async def _checked_address(self, target: httpx.URL) -> str:
        """An address of the target's host we may connect to; refuses if any is not public."""
        host = _host(target).rstrip(".").lower()
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            literal: _Address | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if self._limits.allow_private:
            return await self._any_address(target)
        if literal is None and (
            host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host
        ):
            raise FetchRefused(f"{host} is a local name")
        addresses = [literal] if literal is not None else await self._addresses(host, port)
        for address in addresses:
            if kind := _non_public_kind(address):
                if literal is not None:
                    raise FetchRefused(f"{host} is {kind}")
                raise FetchRefused(f"{host} resolves to {address}, {kind}")
        if target.port not in (None, 80, 443):
            raise FetchRefused(f"{host}: port {target.port} is not 80 or 443")
        return str(addresses[0])

    async def _any_address(self, target: httpx.URL) -> str:
        """The target host's first address, unchecked: for sites we were told to trust."""
        host = _host(target).rstrip(".").lower()
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            port = target.port or (443 if target.scheme == "https" else 80)
            return str((await self._addresses(host, port))[0])

    async def _addresses(self, host: str, port: int) -> list[_Address]:
        """The host's addresses from the resolver; none at all is a failure."""
        try:
            resolved = await self._resolve(host, port)
            addresses = [ipaddress.ip_address(address) for address in resolved]
        except socket.gaierror as error:
            temporary = error.errno == socket.EAI_AGAIN
            raise FetchFailed(f"{host} does not resolve", retryable=temporary) from None
        except ValueError:
            raise FetchRefused(f"{host} resolves to something not an IP address") from None
        if not addresses:
            raise FetchFailed(f"{host} does not resolve", retryable=False)
        return addresses

    async def _get_once(self, target: httpx.URL, address: str) -> Page | httpx.URL:
        """One request to the checked address: the page, or where it redirects to."""
        host = _host(target)
        # Anti-rebinding: the request URL carries the checked IP, so httpx never resolves the
        # name again; the Host header and the TLS server name (SNI, and the name the
        # certificate is verified against) stay the site's name. Works for http and https.
        pinned = target.copy_with(host=address)
        headers = {"Host": target.netloc.decode("ascii")}
        extensions = {"sni_hostname": host}
        try:
            async with self._client.stream(
                "GET", pinned, headers=headers, extensions=extensions
            ) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    try:
                        return _checked_url(target.join(location))
                    except httpx.InvalidURL:
                        raise FetchRefused(f"{host} redirects to an invalid URL") from None
                self._check_answer(host, response)
                body = await self._body(host, response)
                html = _decoded(body, response.charset_encoding)
                return Page(url=str(target), status=response.status_code, html=html)
        except httpx.TimeoutException:
            raise FetchFailed(f"{host} timed out", retryable=True) from None
        except httpx.TransportError as error:
            # the error's own text may quote the URL; its type is enough to tell what failed
            message = f"{host}: connection failed ({type(error).__name__})"
            raise FetchFailed(message, retryable=True) from None

    def _check_answer(self, host: str, response: httpx.Response) -> None:
        """Fails unless the answer is a success carrying an allowed content type."""
        status = response.status_code
        if status >= 300:  # errors, and redirects without a Location
            retryable = status == 429 or status >= 500
            raise FetchFailed(f"{host} answered HTTP {status}", retryable=retryable)
        content_type = response.headers.get("content-type", "")
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type not in self._limits.content_types:
            sent = media_type[:60] or "no content type"
            raise FetchFailed(f"{host} sent {sent}, not HTML", retryable=False)

    async def _body(self, host: str, response: httpx.Response) -> bytes:
        """The body, read only up to max_bytes; a longer one fails as too large."""
        limit = self._limits.max_bytes
        too_large = FetchFailed(f"{host}: page larger than {limit} bytes", retryable=False)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                raise too_large
        return bytes(body)


def _host(url: httpx.URL) -> str:
    """The URL's host in ASCII (IDNA), the only part of a URL errors may name."""
    return url.raw_host.decode("ascii")
