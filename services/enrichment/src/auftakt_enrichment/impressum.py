"""What a company's own website says about it: its imprint (Impressum, § 5 DDG) and its home
page's schema.org and OpenGraph data. Pure: decoded HTML in, `CompanyFacts` out. Fed by
arbitrary websites, so it never raises and every pattern runs in linear time."""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    ParserRejectedMarkup,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.element import NavigableString, PageElement

from .domains import normalise_domain

__all__ = ["CompanyFacts", "impressum_link", "merge", "read_home_page", "read_impressum"]

_MAX_HTML = 3_000_000
_MAX_TEXT = 200_000
_MAX_JSON_LD = 500_000
_MAX_DESCRIPTION = 300


@dataclass(frozen=True)
class CompanyFacts:
    """What is known about a company; `sources` names the parts of its website that told."""

    name: str | None = None
    legal_form: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    register_court: str | None = None
    register_number: str | None = None
    managing_directors: tuple[str, ...] = ()
    vat_id: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    linkedin_url: str | None = None
    employees: int | None = None
    revenue_range: str | None = None
    industry: str | None = None
    description: str | None = None
    sources: tuple[str, ...] = ()


# Patterns run on lines whose whitespace is collapsed to single spaces, so ` ?` never
# meets a run of spaces; every repetition is bounded or cannot overlap its neighbour.
_LEGAL_FORM = re.compile(
    r"(?<![\w&])(?:"
    r"(?:G[mM][bB][hH]|AG|SE|UG \(haftungsbeschr(?:ä|ae)nkt\)) ?& ?Co\.? ?KG(?:aA)?"
    r"|gGmbH|G[mM][bB][hH]|UG ?\(haftungsbeschr(?:ä|ae)nkt\)|UG|KGaA|KG|OHG|oHG|GbR|AG|SE|eG"
    r"|e\. ?K(?:fm|fr)?\.|e\. ?V\.|PartG ?mbB|PartG|Ltd\.|Limited"
    r"|Gesellschaft mit beschr(?:ä|ae)nkter Haftung|Aktiengesellschaft"
    r"|Kommanditgesellschaft auf Aktien|Kommanditgesellschaft|Offene Handelsgesellschaft"
    r"|Gesellschaft bürgerlichen Rechts|[Ee]ingetragene[rn]? (?:Kaufmann|Kauffrau|Verein)"
    r")(?!\w)"
)
_CANONICAL_FORMS = {
    "gmbh": "GmbH", "ggmbh": "gGmbH", "ag": "AG", "se": "SE", "kg": "KG", "kgaa": "KGaA",
    "ohg": "OHG", "gbr": "GbR", "eg": "eG", "ek": "e.K.", "ekfm": "e.K.", "ekfr": "e.K.",
    "ev": "e.V.", "partg": "PartG", "partgmbb": "PartG mbB", "ltd": "Ltd.", "limited": "Ltd.",
    "ug": "UG (haftungsbeschränkt)", "ug(haftungsbeschränkt)": "UG (haftungsbeschränkt)",
    "ug(haftungsbeschraenkt)": "UG (haftungsbeschränkt)",
    "gmbh&cokg": "GmbH & Co. KG", "gmbh&cokgaa": "GmbH & Co. KGaA", "ag&cokg": "AG & Co. KG",
    "se&cokg": "SE & Co. KG", "se&cokgaa": "SE & Co. KGaA",
    "ug(haftungsbeschränkt)&cokg": "UG (haftungsbeschränkt) & Co. KG",
    "ug(haftungsbeschraenkt)&cokg": "UG (haftungsbeschränkt) & Co. KG",
    "gesellschaftmitbeschränkterhaftung": "GmbH", "gesellschaftmitbeschraenkterhaftung": "GmbH",
    "aktiengesellschaft": "AG", "kommanditgesellschaft": "KG",
    "kommanditgesellschaftaufaktien": "KGaA", "offenehandelsgesellschaft": "OHG",
    "gesellschaftbürgerlichenrechts": "GbR", "eingetragenerkaufmann": "e.K.",
    "eingetragenekauffrau": "e.K.", "eingetragenerverein": "e.V.",
}  # fmt: skip

_IMPRINT_START = re.compile(
    r"(?:angaben gem(?:ä|ae)(?:ß|ss)|anbieterkennzeichnung|diensteanbieter|anbieter|herausgeber"
    r"|impressum|imprint|legal notice)",
    re.I,
)
_NAME_LABEL = re.compile(
    r"(?:firma|firmenname|unternehmen|name|anbieter|diensteanbieter|betreiber|herausgeber)"
    r"(?![^\W\d_])[^:]{0,40}: ?",
    re.I,
)
_NOT_A_COMPANY_LINE = re.compile(
    r"vertret|komplement|gesellschafter|eingetragen|register|gericht|(?<!\w)HR ?[AB](?!\w)"
    r"|(?<!\w)sitz(?!\w)|geschäftsf|vorstand|aufsichtsrat|inhaber|@|https?:|www\.|©"
    r"|copyright|datenschutz|haftung für|urheber|gemäß|§|:",
    re.I,
)
_AFTER_NAME = (",", " -", " –", " (", ";", " /")

_POSTAL_CITY = (
    r"(?:(?:D|DE)[- ])?(?P<code>\d{5}) (?P<city>[A-ZÄÖÜ][^\d,;@:]{0,50}?)"
    r"(?:,? ?(?P<country>Deutschland|Germany|Österreich|Austria|Schweiz|Switzerland))?"
)
_POSTAL_LINE = re.compile(_POSTAL_CITY)
_STREET_AND_POSTAL = re.compile(r"(.{3,80}?), ?" + _POSTAL_CITY)
_STREET = re.compile(
    r"[A-ZÄÖÜa-zäöüß][\w .'’/-]{0,60}? \d{1,4} ?[a-zA-Z]?(?: ?[-–/] ?\d{1,4} ?[a-zA-Z]?)?"
)
_COUNTRIES = {
    "deutschland": "Deutschland", "germany": "Deutschland", "de": "Deutschland",
    "österreich": "Österreich", "austria": "Österreich", "at": "Österreich",
    "schweiz": "Schweiz", "switzerland": "Schweiz", "ch": "Schweiz",
}  # fmt: skip

_REGISTER_NUMBER = re.compile(
    r"(?<!\w)(HR ?[AB]|GnR|PR|VR|GsR)(?:-?Nr\.?)?[ .:]{0,2}(\d{1,7})(?: ?([A-Z]{1,2}))?(?!\w)"
)
_CITY = (
    r"([A-ZÄÖÜ]\w*(?:-[A-ZÄÖÜ]\w*){0,3}(?: (?:am|an der|im|in der|ob der|vor der) [A-ZÄÖÜ]\w*)?"
    r"(?: i\. ?Br\.| \([A-ZÄÖÜ][\w .]{0,30}\))?)"
)
_COURT = re.compile(r"(?<!\w)(Amtsgerichts?|AG|Registergericht:?) (?!Amtsgericht|HR)" + _CITY)
_COURT_WORDS = ("Amtsgericht", "Amtsgerichts", "Registergericht", "Registergericht:")
_REGISTER_WORD = re.compile(r"register|(?<!\w)HR ?[AB](?!\w)", re.I)

_DIRECTOR_ROLE = (
    r"(?:gesch(?:ä|ae)ftsf(?:ü|ue)hrer(?:in|innen)?|gesch(?:ä|ae)ftsf(?:ü|ue)hrung"
    r"|gesch(?:ä|ae)ftsf(?:ü|ue)hrende[rn]? gesellschafter(?:in)?|vorstand|vorstände"
    r"|vorstandsvorsitzende[r]?|vorsitzende[r]? des vorstand(?:e)?s|inhaber(?:in)?|inh\.)"
)
_DIRECTOR_LABEL = re.compile(
    r"(?:(?:vertreten durch|vertretungsberechtigt(?:e[rn]?)?)(?: die| den| ihre[n]?)?"
    rf"(?: {_DIRECTOR_ROLE})?|{_DIRECTOR_ROLE})(?![^\W\d_]) ?:? ?",
    re.I,
)
_DIRECTOR_PHRASE = re.compile(
    rf"vertreten durch (?:den|die|ihre[n]?) {_DIRECTOR_ROLE}(?![^\W\d_]) ?:? ?", re.I
)
_NAME_SEPARATOR = re.compile(r",|;| und | sowie | & | / ")
_PARENTHESIS = re.compile(r"\([^()]{0,80}\)")
_NOT_A_PERSON = re.compile(
    r"aufsichtsrat|vorsitz|vorstand|gesch(?:ä|ae)ftsf|gesellschaft|inhaber|gericht|register"
    r"|telefon|e-mail|stra(?:ß|ss)e|str\.|steuer|impressum|verantwortlich|haftung|kontakt",
    re.I,
)
_SALUTATIONS = frozenset({"herr", "herrn", "frau"})
_PARTICLES = frozenset({"von", "van", "de", "der", "den", "zu", "zum", "vom", "da", "di", "ten"})

_VAT_LABEL = re.compile(
    r"umsatzsteuer|(?<![^\W\d_])(?:ust|vat|mwst|tva)(?![a-zäöü])|steuer-?id", re.I
)
_VAT_ID = re.compile(r"(?<![A-Za-z0-9])(DE|ATU|CHE)[ -]?((?:\d[ .]?){7,8}\d)(?!\d)")
_VAT_DIGITS = {"DE": 9, "ATU": 8, "CHE": 9}

_PHONE_LABEL = re.compile(
    r"(?:telefon(?:nummer)?|tel\.?(?:-nr\.?)?|fon|phone|telephone|mobil|t)(?![a-zäöü])"
    r" ?[:.]? ?",
    re.I,
)
_PHONE = re.compile(r"(?:\+|00|\()?\d[\d ()/.–-]{4,30}\d")
_EMAIL_LABEL = re.compile(r"(?:e-?mail|mail|kontakt)(?![a-zäöü]) ?:? ?", re.I)
_OBFUSCATED_AT = re.compile(r" ?[\[({<] ?(?:at|ät|@) ?[\])}>] ?", re.I)
_OBFUSCATED_DOT = re.compile(r" ?[\[({<] ?(?:dot|punkt) ?[\])}>] ?", re.I)
_SPELLED_AT = re.compile(r" (?:at|ät) ", re.I)
_SPELLED_DOT = re.compile(r" (?:dot|punkt) ", re.I)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
_ROLE_MAILBOXES = frozenset(
    {"info", "kontakt", "contact", "office", "mail", "hallo", "hello", "service", "post"}
)
_WEBSITE_LABEL = re.compile(
    r"(?:internet|web|website|webseite|homepage|url)(?![a-zäöü]) ?:? ?", re.I
)
_NUMBER = re.compile(r"(\d{1,3}(?:[.,]\d{3}){1,2}|\d{1,8})(?!\d)")
_LINKEDIN = re.compile(r"https?://(?:[a-z]{2,3}\.)?linkedin\.com/company/([\w%.-]{1,100})", re.I)

_IMPRINT_LINK_TEXT = re.compile(
    r"(?<![^\W\d_])(?:impressum|imprint|legal notice|site notice|anbieterkennzeichnung)"
    r"(?![^\W\d_])",
    re.I,
)
_IMPRINT_PATH = re.compile(
    r"(?:impressum|imprint|legal-notice|anbieterkennzeichnung)(?:[-_][\w-]{0,40})?"
    r"(?:\.(?:html?|php|aspx?|jsp))?",
    re.I,
)

_DROPPED = frozenset({"script", "style", "noscript", "template", "head", "svg", "select"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_LINE_BREAK = re.compile(r"[\n\r|·•▪\u2028\u2029]")
_INVISIBLE = {0x00AD: None, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None}


def _soup(html: str) -> BeautifulSoup | None:
    with warnings.catch_warnings():
        # a page that looks like a URL or like XML is still just a page to read
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        try:
            return BeautifulSoup(html[:_MAX_HTML], "html.parser")
        except ParserRejectedMarkup:
            return None


def _visible_lines(soup: BeautifulSoup) -> list[str]:
    """The page's visible text as a browser would break it into lines, spaces collapsed."""
    parts: list[str] = []
    size = 0
    stack: list[PageElement | str] = [soup]
    while stack and size < _MAX_TEXT:
        node = stack.pop()
        if type(node) is str or type(node) is NavigableString:
            parts.append(node)
            size += len(node)
        elif isinstance(node, Tag) and node.name not in _DROPPED:
            breaks = "\n" if node.name in _BLOCKS else " | " if node.name in _CELLS else ""
            if breaks:
                stack.append(breaks)
            stack.extend(reversed(node.contents))
            if breaks:
                stack.append(breaks)
    text = "".join(parts)[:_MAX_TEXT].translate(_INVISIBLE)
    lines = (" ".join(raw.split()) for raw in _LINE_BREAK.split(text))
    return [line for line in lines if line]


def _text(value: object, limit: int = 300) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = " ".join(str(value).split())
    return text if 0 < len(text) <= limit else None


def _trimmed(value: object) -> str | None:
    text = _text(value, _MAX_TEXT)
    if text is None or len(text) <= _MAX_DESCRIPTION:
        return text
    cut = text[: _MAX_DESCRIPTION - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[200:] else cut) + "…"


def _legal_form(name: str) -> str | None:
    match = _LEGAL_FORM.search(name)
    if match is None:
        return None
    key = "".join(match.group().split()).replace(".", "").casefold()
    return _CANONICAL_FORMS.get(key, match.group())


def _labelled(lines: list[str], label: re.Pattern[str]) -> Iterator[str]:
    """Values of lines that start with a label: the rest of the line, else the next line."""
    for index, line in enumerate(lines):
        match = label.match(line)
        if match is None:
            continue
        rest = line[match.end() :].strip(" :")
        if rest:
            yield rest
        elif index + 1 < len(lines):
            yield lines[index + 1]


def _imprint_start(lines: list[str]) -> int:
    strong = next((i for i, x in enumerate(lines) if _IMPRINT_START.match(x)), None)
    return strong or 0


def _company_name(lines: list[str], start: int) -> str | None:
    for line in lines[start:] + lines[:start]:
        label = _NAME_LABEL.match(line)
        candidate = line[label.end() :] if label else line
        if len(candidate) > 200 or _NOT_A_COMPANY_LINE.search(candidate):
            continue
        for match in _LEGAL_FORM.finditer(candidate):
            end = match.end()
            if end < len(candidate) and not candidate.startswith(_AFTER_NAME, end):
                continue
            name = candidate[:end]
            if match.start() > 0 and name[0].isalnum() and len(name.split()) <= 12:
                return name
    return None


def _address(lines: list[str], start: int) -> tuple[str | None, str | None, str | None, str | None]:
    """Street, postal code, city and country: a "12345 City" line and the street above it."""
    for index in [*range(start, len(lines)), *range(start)]:
        street: str | None = None
        if joined := _STREET_AND_POSTAL.fullmatch(lines[index]):
            street, postal = joined.group(1), joined
            if not _STREET.fullmatch(street):
                continue
        elif postal_only := _POSTAL_LINE.fullmatch(lines[index]):
            postal = postal_only
            above = lines[index - 1] if index > 0 else ""
            street = above if _STREET.fullmatch(above) else None
        else:
            continue
        country = postal.group("country")
        if country is None and index + 1 < len(lines):
            country = lines[index + 1]
        city = postal.group("city").strip(" .")
        return street, postal.group("code"), city, _COUNTRIES.get((country or "").casefold())
    return None, None, None, None


def _register(lines: list[str]) -> tuple[str | None, str | None]:
    """The first register number and the register court named nearest to it."""
    number, at = None, 0
    for index, line in enumerate(lines):
        if match := _REGISTER_NUMBER.search(line):
            kind, digits, suffix = match.groups()
            # a letter after the number is the court's (HRB 12345 B: Berlin), "AG" is not
            parts = (kind.replace(" ", ""), digits, suffix if suffix != "AG" else None)
            number = " ".join(p for p in parts if p)
            at = index
            break
    nearby = [at, at - 1, at + 1, at - 2, at + 2] if number else []
    for index in [i for i in nearby if 0 <= i < len(lines)] + list(range(len(lines))):
        # "AG" is a court only where a register is spoken of, else it may be a legal form
        courts: tuple[str, ...] = _COURT_WORDS
        if _REGISTER_WORD.search(lines[index]):
            courts += ("AG",)
        for match in _COURT.finditer(lines[index]):
            if match.group(1) in courts:
                return f"Amtsgericht {match.group(2)}", number
    return None, number


def _person(piece: str) -> str | None:
    """A person's name as written (titles kept), or None if the piece is not one."""
    piece = piece.split(" – ")[0].split(" - ")[0]
    words = piece.strip(" .,:;").split()
    while words and words[0].casefold() in _SALUTATIONS:
        words = words[1:]
    if not 2 <= len(words) <= 6 or _NOT_A_PERSON.search(piece) or _LEGAL_FORM.search(piece):
        return None
    names = 0
    for word in words:
        if word.endswith(".") and len(word) <= 10 and word[0].isupper():
            continue  # an academic title: Dr., Prof., Dipl.-Ing.
        if word in _PARTICLES and names:
            continue
        if not (word[0].isupper() and all(c.isalpha() or c in "-'’" for c in word)):
            return None
        names += 1
    return " ".join(words) if names >= 2 else None


def _people(text: str, *, only_people: bool = False) -> list[str]:
    """The people a list of names states; with `only_people`, none unless all pieces are."""
    pieces = _NAME_SEPARATOR.split(_PARENTHESIS.sub(" ", text))
    found = [_person(piece) for piece in pieces if piece.strip()]
    if only_people and None in found:
        return []
    return [name for name in found if name]


def _director_label(line: str) -> re.Match[str] | None:
    phrases = list(_DIRECTOR_PHRASE.finditer(line))
    return phrases[-1] if phrases else _DIRECTOR_LABEL.match(line)


def _managing_directors(lines: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for index, line in enumerate(lines):
        label = _director_label(line)
        if label is None:
            continue
        rest = line[label.end() :]
        if rest.strip():
            names += _people(rest)
            continue
        for following in lines[index + 1 : index + 9]:
            people = _people(following, only_people=True)
            if not people or _director_label(following):
                break
            names += people
    return tuple(dict.fromkeys(names))


def _vat_id(lines: list[str]) -> str | None:
    for index, line in enumerate(lines):
        if not (_VAT_LABEL.search(line) or (index and _VAT_LABEL.search(lines[index - 1]))):
            continue
        for match in _VAT_ID.finditer(line):
            digits = "".join(c for c in match.group(2) if c.isdigit())
            if len(digits) == _VAT_DIGITS[match.group(1)]:
                return match.group(1) + digits
    return None


def _phone(lines: list[str]) -> str | None:
    for value in _labelled(lines, _PHONE_LABEL):
        match = _PHONE.search(value)
        if match and sum(c.isdigit() for c in match.group()) >= 6:
            return match.group()
    return None


def _emails(line: str) -> Iterator[str]:
    line = _OBFUSCATED_DOT.sub(".", _OBFUSCATED_AT.sub("@", line))
    if "@" not in line and _EMAIL_LABEL.match(line):
        line = _SPELLED_DOT.sub(".", _SPELLED_AT.sub("@", line))
    for token in line.split():
        token = token.rpartition(":")[2].strip("<>()[]{},;\"'.")
        if "@" in token and _EMAIL.fullmatch(token) and token.rpartition(".")[2].isalpha():
            yield token.lower()


def _email(lines: list[str], start: int, soup: BeautifulSoup) -> str | None:
    found = [e for line in lines[start:] + lines[:start] for e in _emails(line)]
    mailto = (a[7:].partition("?")[0] for a in _anchors(soup) if a.lower().startswith("mailto:"))
    found += [e for address in mailto for e in _emails(address)]
    role = next((e for e in found if e.partition("@")[0] in _ROLE_MAILBOXES), None)
    return role or next(iter(found), None)


def _website(lines: list[str]) -> str | None:
    for value in _labelled(lines, _WEBSITE_LABEL):
        token = value.split()[0].rstrip(".,;")
        if token.lower().startswith(("http://", "https://", "www.")) and normalise_domain(token):
            return token if "://" in token else f"https://{token}"
    return None


def _anchors(soup: BeautifulSoup) -> Iterator[str]:
    for anchor in soup.find_all("a", href=True):
        href = anchor.get("href") if isinstance(anchor, Tag) else None
        if isinstance(href, str):
            yield href.strip()


def _linkedin(url: object) -> str | None:
    match = _LINKEDIN.match(url) if isinstance(url, str) else None
    return f"https://www.linkedin.com/company/{match.group(1)}" if match else None


def _linkedin_link(soup: BeautifulSoup) -> str | None:
    return next((u for u in map(_linkedin, _anchors(soup)) if u), None)


def read_impressum(html: str) -> CompanyFacts:
    """The facts an imprint page states: name, address, register, directors, contact."""
    soup = _soup(html)
    if soup is None:
        return CompanyFacts()
    lines = _visible_lines(soup)
    start = _imprint_start(lines)
    name = _company_name(lines, start)
    street, postal_code, city, country = _address(lines, start)
    register_court, register_number = _register(lines)
    vat_id = _vat_id(lines)
    if country is None and postal_code and (register_court or (vat_id or "").startswith("DE")):
        country = "Deutschland"
    facts = CompanyFacts(
        name=name,
        legal_form=_legal_form(name) if name else None,
        street=street,
        postal_code=postal_code,
        city=city,
        country=country,
        register_court=register_court,
        register_number=register_number,
        managing_directors=_managing_directors(lines),
        vat_id=vat_id,
        phone=_phone(lines),
        email=_email(lines, start, soup),
        website=_website(lines),
        linkedin_url=_linkedin_link(soup),
    )
    return replace(facts, sources=("impressum",)) if facts != CompanyFacts() else facts


def _is_organisation(kind: object) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    for item in kinds:
        if isinstance(item, str):
            name = item.rpartition("/")[2].rpartition(":")[2]
            if name.endswith(("Organization", "Business", "Corporation", "Service", "Agency")):
                return True
            if name in {"NGO", "Store", "Consortium", "Airline", "MusicGroup", "PerformingGroup"}:
                return True
    return False


def _organisation(soup: BeautifulSoup) -> dict[str, Any] | None:
    """The first schema.org organisation the page's JSON-LD describes."""
    for script in soup.find_all("script"):
        kind = script.get("type") if isinstance(script, Tag) else None
        if not isinstance(kind, str) or kind.partition(";")[0].strip().lower() != (
            "application/ld+json"
        ):
            continue
        try:
            data = json.loads(script.get_text()[:_MAX_JSON_LD])
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        for _ in range(10_000):
            if not stack:
                break
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                if _is_organisation(node.get("@type")):
                    return node
                stack.extend(node.get(k) for k in ("provider", "publisher", "@graph") if k in node)
    return None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, str):
        match = _NUMBER.match(value.strip())
        value = int(match.group(1).replace(".", "").replace(",", "")) if match else None
    return value if isinstance(value, int) and 0 < value <= 10_000_000 else None


def _employees(value: object) -> int | None:
    if isinstance(value, dict):
        counts = (_count(value.get(key)) for key in ("value", "minValue", "maxValue"))
        return next((n for n in counts if n is not None), None)
    return _count(value)


def _from_json_ld(soup: BeautifulSoup) -> CompanyFacts:
    node = _organisation(soup)
    if node is None:
        return CompanyFacts()
    name = _text(node.get("legalName")) or _text(node.get("name"))
    address = node.get("address")
    address = address[0] if isinstance(address, list) and address else address
    address = address if isinstance(address, dict) else {}
    country = address.get("addressCountry")
    country = country.get("name") if isinstance(country, dict) else country
    same_as = node.get("sameAs")
    links = same_as if isinstance(same_as, list) else [same_as]
    email = _text(node.get("email"), 254)
    facts = CompanyFacts(
        name=name,
        legal_form=_legal_form(name) if name else None,
        street=_text(address.get("streetAddress")),
        postal_code=_text(address.get("postalCode"), 20),
        city=_text(address.get("addressLocality"), 200),
        country=_COUNTRIES.get((_text(country, 100) or "").casefold(), _text(country, 100)),
        vat_id=_text(node.get("vatID"), 30),
        phone=_text(node.get("telephone"), 50),
        email=email.removeprefix("mailto:") if email else None,
        website=_text(node.get("url"), 2000),
        linkedin_url=next((u for u in map(_linkedin, links) if u), None),
        employees=_employees(node.get("numberOfEmployees")),
        industry=_text(node.get("industry"), 200) or _text(node.get("knowsAbout"), 200),
        description=_trimmed(node.get("description")),
    )
    return replace(facts, sources=("json-ld",)) if facts != CompanyFacts() else facts


def _from_meta(soup: BeautifulSoup) -> CompanyFacts:
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name")) if isinstance(tag, Tag) else None
        content = tag.get("content") if isinstance(tag, Tag) else None
        if isinstance(key, str) and isinstance(content, str):
            meta.setdefault(key.strip().lower(), content)
    name = _text(meta.get("og:site_name"))
    description = _trimmed(meta.get("og:description")) or _trimmed(meta.get("description"))
    if name is None and description is None:
        return CompanyFacts()
    legal_form = _legal_form(name) if name else None
    return CompanyFacts(
        name=name, legal_form=legal_form, description=description, sources=("opengraph",)
    )


def read_home_page(html: str) -> CompanyFacts:
    """The facts a home page states about its company: schema.org JSON-LD, OpenGraph."""
    soup = _soup(html)
    if soup is None:
        return CompanyFacts()
    facts = merge(_from_json_ld(soup), _from_meta(soup))
    linkedin = None if facts.linkedin_url else _linkedin_link(soup)
    if linkedin:
        facts = replace(facts, linkedin_url=linkedin, sources=(*facts.sources, "links"))
    return facts


def merge(*facts: CompanyFacts) -> CompanyFacts:
    """Per field the first value given, in the order given; the sources of all."""
    values: dict[str, Any] = {}
    for field in fields(CompanyFacts):
        given = (getattr(f, field.name) for f in facts)
        values[field.name] = next((v for v in given if v not in (None, "", ())), field.default)
    values["sources"] = tuple(dict.fromkeys(s for f in facts for s in f.sources))
    return CompanyFacts(**values)


def _short_text(anchor: Tag, limit: int = 80) -> str:
    """An anchor's text if short; a link wrapping half the page is no imprint link."""
    parts: list[str] = []
    for visited, node in enumerate(anchor.descendants):
        if visited > 200 or sum(map(len, parts)) > limit:
            return ""
        if type(node) is NavigableString:
            parts.append(node)
    return " ".join("".join(parts).split())


def impressum_link(html: str, base_url: str) -> str | None:
    """The absolute URL of the imprint page a home page links to on its own site, or None."""
    soup = _soup(html)
    site = normalise_domain(base_url)
    if soup is None or site is None:
        return None
    by_path = None
    for anchor in soup.find_all("a", href=True):
        href = anchor.get("href") if isinstance(anchor, Tag) else None
        if not isinstance(href, str) or not isinstance(anchor, Tag):
            continue
        try:
            url = urlsplit(urljoin(base_url, href.strip()))._replace(fragment="").geturl()
        except ValueError:
            continue
        if not url.startswith(("http://", "https://")) or normalise_domain(url) != site:
            continue
        labels = [_short_text(anchor)]
        labels += [v for k in ("title", "aria-label") if isinstance(v := anchor.get(k), str)]
        if any(len(x) <= 60 and _IMPRINT_LINK_TEXT.search(x) for x in labels):
            return url
        last_segment = urlsplit(url).path.rstrip("/").rpartition("/")[2]
        if by_path is None and _IMPRINT_PATH.fullmatch(last_segment):
            by_path = url
    return by_path
