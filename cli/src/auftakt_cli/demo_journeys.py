"""A demo lead's visits to the website: where it came from, what it read, watched and
clicked on which day, chosen so that scoring's seeded rules (docs/scoring.md) give it a
score in the range of its stage."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from auftakt_common.events import Stage

__all__ = ["SITE", "STAGE_SCORES", "Journey", "Step", "Visit", "plan_journey", "stage_of"]

SITE = "https://www.musikfuerfirmen.de"
STAGE_SCORES: dict[Stage, tuple[int, int]] = {
    "cold": (0, 30),
    "warm": (31, 60),
    "hot": (61, 80),
    "burning": (81, 100),
}
_PHONE = "tel:+493055501010"  # the number in the mailer's signature
_WHATSAPP = "https://wa.me/493055501010"
_MAILTO = "mailto:hallo@musikfuerfirmen.de"


@dataclass(frozen=True, slots=True)
class _Signal:
    """Something a visitor does that a seeded rule rewards."""

    points: int
    cap: int  # the rule's max_per_lead
    contact: bool  # a step towards talking to us (rather than reading)
    page: bool  # done by viewing a page of its own


# A signal is placed at most once per visit, and visits are two or more days apart:
# longer than every rule's cooldown, so each placement counts exactly once.
_SIGNALS = {
    "pricing": _Signal(20, 2, contact=False, page=True),  # /preise
    "about": _Signal(15, 1, contact=False, page=True),  # /ueber-uns
    "case_study": _Signal(15, 3, contact=False, page=True),  # /referenzen/…
    "testimonials": _Signal(12, 1, contact=False, page=True),  # /kundenstimmen
    "blog": _Signal(8, 3, contact=False, page=True),  # /blog/…
    "video": _Signal(18, 2, contact=False, page=False),  # video_progress ≥ 50 %
    "phone": _Signal(30, 2, contact=True, page=False),  # a tel: link
    "whatsapp": _Signal(30, 2, contact=True, page=False),  # a wa.me link
    "form_half": _Signal(35, 1, contact=True, page=True),  # form_50_percent_filled
    "calendar": _Signal(40, 2, contact=True, page=False),  # calendar_booking_started
}
_MULTIPLE_PAGES = 10  # multiple_pages_viewed: three or more different pages
_CONTACT_WEIGHT: dict[Stage, float] = {"cold": 0.05, "warm": 0.3, "hot": 1.0, "burning": 2.0}


@dataclass(frozen=True, slots=True)
class _Magnet:
    points: int  # what its download is worth (budget_calculator_used, quiz_completed, …)
    form_id: str
    page: str


_MAGNETS: dict[str | None, _Magnet] = {
    None: _Magnet(0, "anfrage", "/anfrage"),  # the enquiry form: no rule rewards it
    "checklist_2025": _Magnet(10, "checkliste-2025", "/checkliste-2025"),
    "sieben_fehler": _Magnet(10, "7-fehler", "/7-fehler-firmenfeier"),
    "quiz": _Magnet(20, "event-finder", "/event-finder"),
    "budget_calculator": _Magnet(25, "budget-rechner", "/budget-rechner"),
}
_MAGNET_WEIGHTS: dict[Stage, tuple[int, ...]] = {  # in the order of _MAGNETS
    "cold": (30, 35, 15, 10, 10),
    "warm": (25, 25, 10, 15, 25),
    "hot": (30, 15, 5, 15, 35),
    "burning": (35, 10, 5, 10, 40),
}
# pages no rule rewards (they count only towards "3+ pages")
_PLAIN_PAGES = (
    "/", "/bands", "/bands/groove-alarm", "/bands/blue-notes-trio", "/bands/dj-und-sax",
    "/leistungen", "/faq", "/kontakt", "/blog", "/weihnachtsfeier-band",
    "/sommerfest-musik", "/firmenjubilaeum-musik",
)  # fmt: skip
_CASE_STUDIES = ("tech-solutions", "stadtwerke-sommerfest", "gala-im-hafen")
_BLOG_POSTS = (
    "weihnachtsfeier-ideen", "band-oder-dj", "musik-budget-planen", "sommerfest-programm",
    "gema-bei-firmenfeiern",
)  # fmt: skip
_VIDEOS = ("showreel-2025", "groove-alarm-live", "blue-notes-trio-dinner")
_THEMED_PAGES = {
    "weihnachtsfeier": "/weihnachtsfeier-band",
    "sommerfest": "/sommerfest-musik",
    "firmenjubilaeum": "/firmenjubilaeum-musik",
}
_AD_TERMS = {
    "weihnachtsfeier": ("band weihnachtsfeier", "live musik weihnachtsfeier"),
    "sommerfest": ("band sommerfest firma", "musik sommerfest"),
    "": ("band für firmenevent", "partyband buchen", "live musik firmenfeier"),
}
_PARTNER_SITES = (  # made up, under the reserved .example
    "https://www.eventlocations-vergleich.example/",
    "https://www.firmenfeier-ratgeber.example/musik",
    "https://www.hr-netzwerk.example/forum/weihnachtsfeier",
)
_SEARCH_ENGINES = (
    "https://www.google.de/", "https://www.google.com/", "https://www.bing.com/",
    "https://www.ecosia.org/",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    """One website activity (type, page_url, referrer, target, detail) and its minute:
    after midnight (Berlin) for an earlier visit, before the form for the last one."""

    minute: int
    activity: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Visit:
    days_ago: int  # 0: the visit that ends with the form
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Journey:
    visits: tuple[Visit, ...]  # oldest first; the last one ends with the form
    after_form: tuple[Step, ...]  # right after the form, with the lead token
    magnet: str | None
    form_id: str
    landing_page: str
    attribution: dict[str, str]
    score: int  # what the seeded rules make of all of it

    def with_calculation(self, detail: dict[str, Any]) -> Journey:
        """The calculator's use as the page tracks it, after its form (worth nothing more:
        the calculator counts once per lead)."""
        used = {"type": "budget_calculator_used", "page_url": SITE + "/budget-rechner"}
        step = Step(0, used | {"detail": detail})
        return dataclasses.replace(self, after_form=(step, *self.after_form))


def stage_of(score: int) -> Stage:
    return next(stage for stage, (low, high) in STAGE_SCORES.items() if low <= score <= high)


def plan_journey(
    rng: random.Random, stage: Stage, event_type: str, event_year: int, today: date
) -> Journey:
    """Visits whose score lands in `stage`'s range. A cold lead may bounce: it lands on
    the form and leaves, seeing at most two pages; everyone else sees three or more."""
    low, high = STAGE_SCORES[stage]
    bounce = stage == "cold" and rng.random() < 0.4
    total = 0 if bounce else _MULTIPLE_PAGES
    weights = [
        weight if total + magnet.points <= high else 0
        for weight, magnet in zip(_MAGNET_WEIGHTS[stage], _MAGNETS.values(), strict=True)
    ]
    magnet_key = rng.choices(list(_MAGNETS), weights)[0]
    magnet = _MAGNETS[magnet_key]
    total += magnet.points
    signals = _signals(rng, stage, total, bounce)
    total += sum(_SIGNALS[name].points for name in signals)

    fields, referrer, query, landings = _channel(rng, event_type, event_year, today)
    landing = magnet.page if bounce else rng.choice((*landings, magnet.page))
    writer = _JourneyWriter(rng, browsing=not bounce)
    visits, later = writer.visits(signals, landing + query, referrer, magnet.page)
    return Journey(
        visits=visits,
        after_form=later,
        magnet=magnet_key,
        form_id=magnet.form_id,
        landing_page=SITE + landing + query,
        attribution=fields | ({"referrer": referrer} if referrer else {}),
        score=total,
    )


def _signals(rng: random.Random, stage: Stage, total: int, bounce: bool) -> list[str]:
    """Signals adding up from `total` to a random score in the stage's range."""
    low, high = STAGE_SCORES[stage]
    target = rng.randint(max(low, total), max(high, total))
    if bounce:  # one page of its own at most, so fewer than three pages in all
        candidates = ["pricing", "blog", "testimonials", "video"]
    else:
        candidates = [name for name, signal in _SIGNALS.items() for _ in range(signal.cap)]
    chosen: list[str] = []

    def weight(name: str) -> float:
        return _CONTACT_WEIGHT[stage] if _SIGNALS[name].contact else 1.0

    for goal in (target, low):  # aim for the target; if short, anything up to `high`
        order = sorted(candidates, key=lambda name: rng.random() ** (1 / weight(name)))
        for name in reversed(order):
            signal = _SIGNALS[name]
            if total >= goal:
                break
            if chosen.count(name) >= signal.cap or total + signal.points > high:
                continue
            if bounce and signal.page and any(_SIGNALS[c].page for c in chosen):
                continue
            chosen.append(name)
            total += signal.points
    return chosen


def _channel(
    rng: random.Random, event_type: str, event_year: int, today: date
) -> tuple[dict[str, str], str | None, str, tuple[str, ...]]:
    """Where a lead came from: attribution fields, referrer, the landing page's query and
    pages it may land on."""
    themed = _THEMED_PAGES.get(event_type, "/bands")
    channels = ("organic", "google-ads", "linkedin", "newsletter", "referral", "instagram", "")
    name = rng.choices(channels, (30, 20, 12, 10, 10, 8, 10))[0]
    utm: dict[str, str] = {}
    referrer: str | None = None
    landings: tuple[str, ...] = ("/",)
    if name == "organic":
        referrer = rng.choices(_SEARCH_ENGINES, (70, 10, 10, 10))[0]
        landings = ("/", themed, "/bands")
    elif name == "google-ads":
        utm = {
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": f"{event_type}-{event_year}",
            "utm_term": rng.choice(_AD_TERMS.get(event_type, _AD_TERMS[""])),
            "utm_content": rng.choice(("anzeige-a", "anzeige-b")),
        }
        referrer, landings = "https://www.google.de/", (themed,)
    elif name == "linkedin":
        utm = {
            "utm_source": "linkedin",
            "utm_medium": "paid-social",
            "utm_campaign": f"hr-events-{event_year}",
            "utm_content": rng.choice(("carousel", "video", "text-ad")),
        }
        referrer, landings = "https://www.linkedin.com/", ("/", themed)
    elif name == "newsletter":
        utm = {"utm_source": "newsletter", "utm_medium": "email"}
        utm["utm_campaign"] = f"newsletter-{today:%Y-%m}"
        landings = ("/", "/blog")
    elif name == "referral":
        referrer, landings = rng.choice(_PARTNER_SITES), ("/", "/bands")
    elif name == "instagram":
        utm = {"utm_source": "instagram", "utm_medium": "social"}
        utm["utm_campaign"] = f"{event_type}-reels"
        referrer, landings = "https://l.instagram.com/", (themed, "/")
    fields = dict(utm)
    if name:  # the website's own channel name; none for direct visits
        fields |= {"source": name, "medium": utm.get("utm_medium", name)}
    if "utm_campaign" in utm:
        fields["campaign"] = utm["utm_campaign"]
    return fields, referrer, f"?{urlencode(utm)}" if utm else "", landings


class _JourneyWriter:
    """Writes one lead's visits: pages seen, case studies and posts still unread."""

    def __init__(self, rng: random.Random, *, browsing: bool) -> None:
        self._rng = rng
        self._browsing = browsing
        self._seen: set[str] = set()
        self._cases = rng.sample(_CASE_STUDIES, len(_CASE_STUDIES))
        self._posts = rng.sample(_BLOG_POSTS, len(_BLOG_POSTS))
        self._steps: list[Step] = []
        self._minute = 0
        self._page: str | None = None

    def visits(
        self, signals: list[str], landing: str, referrer: str | None, form_page: str
    ) -> tuple[tuple[Visit, ...], tuple[Step, ...]]:
        """The visits, oldest first, and the steps right after the form."""
        rng = self._rng
        placed, days = self._placement(signals)
        visits: list[Visit] = []
        later: list[str] = []
        for index, names in enumerate(placed):
            last = index == len(placed) - 1
            self._start(0 if last else rng.randint(8 * 60, 20 * 60))
            if index == 0:
                self._view(landing, referrer)
            else:
                self._view(rng.choice(("/", "/bands", "/leistungen")), rng.choice(_SEARCH_ENGINES))
            for name in rng.sample(names, len(names)):
                if last and _SIGNALS[name].contact and not _SIGNALS[name].page:
                    later.append(name)  # clicked on the thank-you page
                    continue
                if self._browsing and rng.random() < 0.35:
                    self._wander()
                self._signal(name)
            if not last:
                visits.append(Visit(days[index], tuple(self._steps)))
                continue
            while self._browsing and len(self._seen | {form_page}) < 3:
                self._wander()
            if self._page is None or urlsplit(self._page).path != form_page:
                self._view(form_page)
            end = self._minute + rng.randint(1, 3)
            steps = (Step(step.minute - end, step.activity) for step in self._steps)
            visits.append(Visit(0, tuple(steps)))

        self._start(0)
        self._page = SITE + form_page
        for name in later:
            self._signal(name)
        if rng.random() < 0.1:
            self._act("click", target=_MAILTO, detail={"label": "E-Mail schreiben"})
        return tuple(visits), tuple(self._steps)

    def _placement(self, signals: list[str]) -> tuple[list[list[str]], list[int]]:
        """Which signals happen on which visit, and how many days ago each earlier visit
        was: a signal that counts twice needs two visits."""
        rng = self._rng
        count = max((signals.count(name) for name in signals), default=1)
        if "form_half" in signals:  # half-filled on an earlier day, sent on the last
            count = max(count, 2)
        if self._browsing and rng.random() < 0.5:
            count = min(count + 1, 4)
        placed: list[list[str]] = [[] for _ in range(count)]
        for name in sorted(set(signals)):
            slots = range(count - 1) if name == "form_half" else range(count)
            for index in rng.sample(slots, signals.count(name)):
                placed[index].append(name)
        days: list[int] = []
        gap = 0
        for _ in range(count - 1):
            gap += rng.randint(2, 4)  # two days or more: past every cooldown
            days.insert(0, gap)
        return placed, days

    def _start(self, minute: int) -> None:
        self._steps, self._minute, self._page = [], minute, None

    def _view(self, path: str, referrer: str | None = None) -> None:
        url = SITE + path
        activity: dict[str, Any] = {"type": "page_view", "page_url": url}
        if self._page or referrer:
            activity["referrer"] = self._page or referrer
        self._steps.append(Step(self._minute, activity))
        self._seen.add(urlsplit(url).path)
        self._page = url
        self._minute += self._rng.randint(1, 4)

    def _wander(self) -> None:
        """A page no rule rewards; a new one while the lead has seen fewer than three."""
        pages = [page for page in _PLAIN_PAGES if page not in self._seen]
        if len(self._seen) >= 3:
            here = urlsplit(self._page or "").path
            pages = [page for page in _PLAIN_PAGES if page != here]
        self._view(self._rng.choice(pages))

    def _act(self, kind: str, *, target: str | None = None, detail: dict[str, Any]) -> None:
        activity: dict[str, Any] = {"type": kind, "page_url": self._page, "detail": detail}
        if target:
            activity["target"] = target
        self._steps.append(Step(self._minute, activity))
        self._minute += self._rng.randint(0, 2)

    def _signal(self, name: str) -> None:
        rng = self._rng
        if name == "pricing":
            self._view("/preise")
            if rng.random() < 0.3:  # a reload: within the cooldown, worth nothing more
                self._view("/preise")
        elif name == "about":
            self._view("/ueber-uns")
        elif name == "case_study":
            self._view(f"/referenzen/{self._cases.pop()}")
        elif name == "testimonials":
            self._view("/kundenstimmen")
        elif name == "blog":
            self._view(f"/blog/{self._posts.pop()}")
        elif name == "video":
            if self._browsing and rng.random() < 0.6:
                self._view(rng.choice(("/bands/groove-alarm", "/bands/blue-notes-trio")))
            video = rng.choice(_VIDEOS)
            for percent in (25, 50, 75, 100)[: rng.randint(2, 4)]:
                self._act("video_progress", detail={"video": video, "percent": percent})
        elif name == "phone":
            self._act("click", target=_PHONE, detail={"label": "030 555 010 10"})
        elif name == "whatsapp":
            self._act("click", target=_WHATSAPP, detail={"label": "WhatsApp"})
        elif name == "form_half":
            self._view("/anfrage")
            self._act("form_50_percent_filled", detail={"form_id": "anfrage", "percent": 50})
        elif name == "calendar":
            self._act("calendar_booking_started", detail={"calendar": "erstgespraech-15-min"})
