"""The demo's leads: people at the demo's German companies (demo_companies.py), their
events, and website visits that score each lead into a chosen stage. Pure: the same seed
and day give the same leads."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from auftakt_common.events import Stage

from .demo_companies import DEMO_COMPANIES, DemoCompany
from .demo_journeys import Journey, plan_journey, stage_of

__all__ = ["DemoLead", "demo_leads", "occurred_at"]
_STAGE_SHARES: tuple[tuple[Stage, float], ...] = (
    ("burning", 0.10),
    ("hot", 0.15),
    ("warm", 0.30),
)
_BERLIN = ZoneInfo("Europe/Berlin")
_CONSENT_TEXT = (
    "Ja, ich möchte Tipps und Angebote von Musik für Firmen per E-Mail erhalten. "
    "Die Einwilligung kann ich jederzeit widerrufen."
)

_FIRST_NAMES = (
    "Anna", "Julia", "Laura", "Lena", "Sarah", "Katharina", "Lisa", "Christina", "Sabine",
    "Claudia", "Stefanie", "Nicole", "Melanie", "Sandra", "Andrea", "Petra", "Birgit",
    "Kerstin", "Jana", "Miriam", "Franziska", "Johanna", "Sophie", "Hannah", "Leonie",
    "Marie", "Charlotte", "Annika", "Svenja", "Tanja", "Thomas", "Michael", "Andreas",
    "Stefan", "Christian", "Markus", "Daniel", "Tobias", "Jan", "Sebastian", "Florian",
    "Alexander", "Martin", "Matthias", "Jörg", "Jürgen", "Frank", "Oliver", "Philipp",
    "Lukas", "Felix", "Jonas", "Maximilian", "Niklas", "Tim", "Benedikt", "Moritz",
    "Patrick", "Sven", "Dirk",
)  # fmt: skip
_LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
    "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange",
    "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schulze", "Maier",
    "Köhler", "Herrmann", "König", "Walter", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
    "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller",
    "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke",
    "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Schumacher",
    "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich",
    "Brandt", "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn",
    "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Voigt", "Sauer", "Arnold", "Pfeiffer",
    "Hansen", "Petersen", "Jansen", "Brauer",
)  # fmt: skip
_CONTACT_WEIGHTS = [company.contact_weight for company in DEMO_COMPANIES]
_GUESTS_BY_SIZE = {
    "1-10": (30, 60),
    "11-50": (30, 90),
    "51-200": (60, 250),
    "201-500": (150, 500),
    "500+": (250, 600),
}

# the Bundesnetzagentur keeps these blocks free for films and books ("Drama Numbers")
_FICTIONAL_PHONES = {
    "Berlin": ("030", "23125"),
    "Frankfurt am Main": ("069", "90009"),
    "Hamburg": ("040", "66969"),
    "Köln": ("0221", "4710"),
    "München": ("089", "99998"),
}

# the event types of the shipped forms and price table (their titles: auftakt_common.event_types)
_EVENT_TYPES = (
    "weihnachtsfeier", "sommerfest", "firmenjubilaeum", "jubilaeum", "gala", "konferenz",
    "messe",
)  # fmt: skip
_EVENT_WEIGHTS = (32, 24, 14, 6, 8, 10, 6)
_BUDGET_RANGES = ((2000, 4000), (4000, 7000), (7000, 12000), (12000, 20000), (20000, 35000))
# the bands of capture's shipped price table, which the calculator offers
_CALCULATOR_BANDS = ("duo", "jazz-trio", "partyband", "dj")
_MOODS = {"party": "Partyband", "elegant": "Jazz-Trio", "entspannt": "Akustik-Duo"}
_MAGNET_NAMES = {
    "checklist_2025": "Checkliste: Firmenevent mit Live-Musik",
    "sieben_fehler": "Die 7 größten Fehler bei der Musik für Firmenfeiern",
    "budget_calculator": "Budget-Rechner",
    "quiz": "Event-Typ-Finder",
}


@dataclass(frozen=True, slots=True)
class DemoLead:
    """One person: the form they send, the visits around it, and the score those earn."""

    form: dict[str, Any]
    journey: Journey
    stage: Stage
    score: int

    @property
    def company(self) -> str:
        return str(self.form["company_name"])


def demo_leads(count: int, seed: int, today: date) -> list[DemoLead]:
    """`count` people at the demo companies (a large company sends more of them), each
    with an address of their own; stages in the demo's shares (45 % cold, 30 % warm, 15 %
    hot, 10 % burning). Names do not depend on `today`, dates do."""
    rng = random.Random(seed)
    stages = _stages(count)
    rng.shuffle(stages)
    taken: set[str] = set()
    return [_demo_lead(rng, stage, today, taken) for stage in stages]


def occurred_at(days_ago: int, minute: int, now: datetime) -> datetime:
    """When a step of an earlier visit happened: `minute` minutes after midnight in Berlin,
    `days_ago` days before `now`'s day; for the visit with the form (0), before `now`."""
    if days_ago == 0:
        return now + timedelta(minutes=minute)
    day = now.astimezone(_BERLIN).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(), _BERLIN) + timedelta(minutes=minute)


def _stages(count: int) -> list[Stage]:
    stages: list[Stage] = []
    for stage, share in _STAGE_SHARES:
        stages += [stage] * round(count * share)
    return stages + ["cold"] * (count - len(stages))


def _person(rng: random.Random, company: DemoCompany, taken: set[str]) -> tuple[str, str, str]:
    """First and last name and an address at the company no other demo lead has."""
    while True:
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        email = f"{_local_part(rng, first, last)}@{company.domain}"
        if email not in taken:
            taken.add(email)
            return first, last, email


def _demo_lead(rng: random.Random, stage: Stage, today: date, taken: set[str]) -> DemoLead:
    company = rng.choices(DEMO_COMPANIES, _CONTACT_WEIGHTS)[0]
    first, last, email = _person(rng, company, taken)
    city = company.city
    event_type = rng.choices(_EVENT_TYPES, _EVENT_WEIGHTS)[0]
    event_date = _event_date(rng.random(), event_type, today)
    low, high = _GUESTS_BY_SIZE[company.size]
    guests = _round_guests(rng.randint(low, high))
    journey = plan_journey(rng, stage, event_type, event_date.year, today)
    form: dict[str, Any] = {
        "email": email,
        "first_name": first,
        "last_name": last,
        "company_name": company.legal_name,
        "event_type": event_type,
        "form_id": journey.form_id,
        "landing_page": journey.landing_page,
        **journey.attribution,
    }
    full = journey.magnet is None  # the enquiry form asks for everything
    optional: dict[str, tuple[float, object]] = {
        "phone": (0.75 if full else 0.2, _phone(rng, city)),
        "company_size": (0.85 if full else 0.5, company.size),
        "company_industry": (0.7 if full else 0.4, company.industry),
        "company_domain": (0.4 if full else 0.1, f"www.{company.domain}"),
        "event_date": (0.9 if full else 0.4, event_date.isoformat()),
        "guest_count": (0.95 if full else 0.5, guests),
        "location": (0.85 if full else 0.25, _location(rng, city)),
    }
    for name, (chance, value) in optional.items():
        if rng.random() < chance:
            form[name] = value
    if full and rng.random() < 0.7:
        form["budget_min"], form["budget_max"] = _budget_range(rng, guests)
    if rng.random() < 0.8:
        form |= {"consent_marketing": True, "consent_text": _CONSENT_TEXT}
    if journey.magnet is not None:
        form |= {"lead_magnet": journey.magnet, "magnet_name": _MAGNET_NAMES[journey.magnet]}
    if journey.magnet == "quiz":
        mood = rng.choice(list(_MOODS))
        bucket = "30-100" if guests <= 100 else "100-250" if guests <= 250 else "250+"
        form["quiz_results"] = {
            "anlass": event_type,
            "stimmung": mood,
            "gaeste": bucket,
            "empfehlung": _MOODS[mood],
        }
    if journey.magnet == "budget_calculator":  # "Ergebnis zusenden": capture prices it
        inputs = _calculation(rng, event_type, guests)
        form |= {"guest_count": guests, "quiz_results": {"inputs": inputs}}
        journey = journey.with_calculation(inputs)
    return DemoLead(form=form, journey=journey, stage=stage_of(journey.score), score=journey.score)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_UMLAUTS)).strip("-")


def _local_part(rng: random.Random, first: str, last: str) -> str:
    first, last = _slug(first), _slug(last)
    return rng.choices((f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}"), (7, 2, 1))[0]


def _phone(rng: random.Random, city: str) -> str:
    area, block = _FICTIONAL_PHONES.get(city) or rng.choice(list(_FICTIONAL_PHONES.values()))
    extension = f"{rng.randint(0, 999):03d}"
    formats = (
        f"{area} {block} {extension}",
        f"+49 {area[1:]} {block}{extension}",
        f"({area}) {block}-{extension}",
        f"{area}/{block}{extension}",
        f"+49 (0){area[1:]} {block} {extension}",
    )
    return rng.choice(formats)


def _location(rng: random.Random, city: str) -> str:
    return rng.choices(
        (city, f"{city}, eigene Räume", f"{city} (Location noch offen)", f"Raum {city}"),
        (6, 2, 2, 1),
    )[0]


def _round_guests(guests: int) -> int:
    return round(guests / 10) * 10 if guests > 100 else max(30, round(guests / 5) * 5)


def _budget_range(rng: random.Random, guests: int) -> tuple[int, int]:
    lowest = 0 if guests < 80 else 1 if guests < 200 else 2
    return _BUDGET_RANGES[rng.randint(lowest, min(lowest + 2, len(_BUDGET_RANGES) - 1))]


def _calculation(rng: random.Random, event_type: str, guests: int) -> dict[str, Any]:
    """What the visitor asked the budget calculator: capture computes the range from its
    price table, and the result mail quotes exactly that."""
    band_format = rng.choice(_CALCULATOR_BANDS)
    hours = rng.randint(3, 6)
    return {"event_type": event_type, "guests": guests, "hours": hours, "band_format": band_format}


def _event_date(fraction: float, event_type: str, today: date) -> date:
    """A plausible day 2–12 months ahead: Christmas parties in December, summer parties in
    summer, conferences mid-week, parties on Fridays and Saturdays. Chosen by `fraction`,
    one random draw whatever the day, so the names after it do not depend on the day."""
    days = [today + timedelta(days=n) for n in range(61, 366)]
    if event_type in ("konferenz", "messe"):
        days = [d for d in days if d.weekday() in (1, 2, 3)]
    else:
        days = [d for d in days if d.weekday() in (4, 5)]
    wanted = days
    if event_type == "weihnachtsfeier":
        # late November to just before Christmas, or in January once the holidays are over
        wanted = [d for d in days if (11, 25) <= (d.month, d.day) <= (12, 22)]
        wanted += [d for d in days if (1, 8) <= (d.month, d.day) <= (1, 24)]
    elif event_type == "sommerfest":
        wanted = [d for d in days if 6 <= d.month <= 9]
    elif event_type == "gala":
        wanted = [d for d in days if d.month not in (7, 8)]
    choices: Sequence[date] = wanted or days
    return choices[int(fraction * len(choices))]
