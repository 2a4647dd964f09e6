"""A lead's company domain: the registrable web domain behind a form's company field or an
e-mail address, never a freemail provider's nor a name reserved for examples and tests.
Pure: the public suffix list is tldextract's bundled snapshot, read without network or
cache."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from urllib.parse import urlsplit

import idna
import tldextract

__all__ = [
    "FREEMAIL_DOMAINS",
    "company_domain",
    "domain_of_email",
    "is_freemail",
    "is_reserved",
    "normalise_domain",
]

FREEMAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Germany, Austria, Switzerland
        "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com", "gmx.info", "gmx.org", "gmx.eu",
        "web.de", "email.de", "mail.de", "t-online.de", "magenta.de", "online.de",
        "freenet.de", "arcor.de", "vodafone.de", "vodafonemail.de", "kabelmail.de",
        "kabelbw.de", "unitybox.de", "posteo.de", "posteo.net", "mailbox.org", "tutanota.de",
        "outlook.de", "hotmail.de", "live.de", "yahoo.de", "aol.de", "googlemail.de",
        "aon.at", "chello.at", "bluewin.ch", "hispeed.ch",
        # worldwide
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "tutanota.com",
        "tutamail.com", "tuta.io", "tuta.com", "fastmail.com", "zoho.com", "yandex.com",
        "yandex.ru", "mail.ru", "hushmail.com", "gmx.us",
        "outlook.fr", "hotmail.fr", "live.fr", "yahoo.fr", "hotmail.co.uk", "live.co.uk",
        "yahoo.co.uk", "hotmail.it", "yahoo.it", "hotmail.es", "yahoo.es", "outlook.at",
        "hotmail.ch", "live.at", "live.nl", "hotmail.nl",
    }
)  # fmt: skip

# Names no company can hold: RFC 2606 (example.com/.net/.org and the top-level names
# test, example, invalid, localhost), RFC 6761 (the same, special-use), RFC 6762 (local),
# RFC 7686 (onion), RFC 8375 (home.arpa) and ICANN's private-use internal. Addresses under
# them are placeholders, demo data or test traffic: a thousand leads at example.com are a
# thousand strangers, not one buying centre.
_RESERVED_TOP_LEVEL = frozenset(
    {"test", "example", "invalid", "localhost", "local", "onion", "internal"}
)
_RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org", "home.arpa"})

_MAX_DOMAIN_LENGTH = 253
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NOT_IN_HOST = re.compile(r"[\s/\\?#@:\[\]]")

# Bundled snapshot only: no suffix list URLs means no request, no cache dir means no writes.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _registrable(host: str) -> str | None:
    """The registrable domain of a bare host name, in lower-case ASCII, or None."""
    host = host.strip()
    if host.endswith("."):
        host = host[:-1]
    if not host or len(host) > _MAX_DOMAIN_LENGTH or _NOT_IN_HOST.search(host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if len(ascii_host) > _MAX_DOMAIN_LENGTH or not all(_LABEL.fullmatch(x) for x in labels):
        return None
    parts = _SUFFIXES(ascii_host)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"


def normalise_domain(value: str) -> str | None:
    """The registrable domain a company domain or website field names, or None."""
    value = value.strip()
    if not value or len(value) > 2048:
        return None
    if "://" not in value:
        value = "//" + value
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return _registrable(host) if host else None


def domain_of_email(address: str) -> str | None:
    """The registrable domain of an e-mail address, or None if it is malformed."""
    local, at, host = address.strip().rpartition("@")
    if not at or not local or len(local) > 64 or any(c.isspace() for c in local):
        return None
    return _registrable(host)


def _freemail_set(extra: Collection[str]) -> set[str]:
    domains = set(FREEMAIL_DOMAINS)
    for item in extra:
        plain = item.strip().lower().rstrip(".")
        if plain:
            domains.add(plain)
        registrable = normalise_domain(item)
        if registrable:
            domains.add(registrable)
    return domains


def is_freemail(domain: str, extra: Collection[str] = ()) -> bool:
    """Whether a domain (or a host under it) belongs to a freemail or consumer mail provider."""
    domains = _freemail_set(extra) if extra else FREEMAIL_DOMAINS
    labels = domain.strip().lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))


def is_reserved(domain: str) -> bool:
    """Whether a domain (or a host under it) is reserved for examples, tests or local use."""
    labels = domain.strip().lower().rstrip(".").split(".")
    if labels[-1] in _RESERVED_TOP_LEVEL:
        return True
    return any(".".join(labels[i:]) in _RESERVED_DOMAINS for i in range(len(labels)))


def company_domain(
    form_domain: str | None, email: str | None, extra_freemail: Collection[str] = ()
) -> str | None:
    """The lead's company domain: the form's, else the e-mail's; never a freemail or a
    reserved one."""
    candidates = (
        normalise_domain(form_domain) if form_domain else None,
        domain_of_email(email) if email else None,
    )
    for candidate in candidates:
        if candidate is None or is_reserved(candidate):
            continue
        if not is_freemail(candidate, extra_freemail):
            return candidate
    return None
