"""Reading what real-looking German company websites say about themselves: imprints of a
GmbH, an AG, a GmbH & Co. KG and a sole trader (e.K.), and a home page's schema.org data."""

from __future__ import annotations

from pathlib import Path

import pytest
from auftakt_enrichment.impressum import (
    CompanyFacts,
    impressum_link,
    merge,
    read_home_page,
    read_impressum,
)

PAGES = Path(__file__).parent / "pages"


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def test_a_gmbh_imprint_names_company_address_register_directors_and_vat_id() -> None:
    facts = read_impressum(_page("beispiel-gmbh-impressum.html"))
    assert (facts.name, facts.legal_form) == ("Beispiel Events GmbH", "GmbH")
    assert (facts.street, facts.postal_code, facts.city, facts.country) == (
        "Große Elbstraße 145 b",
        "22767",
        "Hamburg",
        "Deutschland",
    )
    assert (facts.register_court, facts.register_number) == ("Amtsgericht Hamburg", "HRB 123456")
    assert facts.managing_directors == ("Jonas Hartmann", "Dr. Miriam Albers")
    assert facts.vat_id == "DE123456789"
    assert facts.email == "info@beispiel-events.de"  # written as "info [at] …"
    assert facts.linkedin_url == "https://www.linkedin.com/company/beispiel-events"


def test_an_ag_imprint_names_its_board_but_not_the_supervisory_board() -> None:
    facts = read_impressum(_page("buehnentechnik-ag-impressum.html"))
    assert (facts.name, facts.legal_form) == ("Nordlicht Bühnentechnik AG", "AG")
    assert facts.managing_directors == ("Dr. Anna Weber", "Jan-Erik Schulz", "Petra Lange")
    assert (facts.register_court, facts.register_number) == ("Amtsgericht Hamburg", "HRB 98765")
    assert facts.email == "kontakt@nordlicht-buehnentechnik.de"


def test_a_kg_imprint_gives_the_kg_not_its_general_partner() -> None:
    facts = read_impressum(_page("musik-kg-impressum.html"))
    assert facts.name == "Klangwerk Live Veranstaltungs GmbH & Co. KG"
    assert facts.legal_form == "GmbH & Co. KG"
    assert (facts.register_court, facts.register_number) == ("Amtsgericht Köln", "HRA 98765")
    assert facts.managing_directors == ("Tobias Brenner",)  # not "Nicht Gemeint" (noscript)
    assert (facts.street, facts.city) == ("Hauptstr. 5-7", "Köln")
    assert facts.email == "booking@klangwerk-live.de"
    assert facts.website == "https://www.klangwerk-live.de"


def test_a_sole_traders_old_table_layout_imprint_is_read() -> None:
    facts = read_impressum(_page("tontechnik-ek-impressum.html"))
    assert (facts.name, facts.legal_form) == ("Tontechnik Krause e.K.", "e.K.")
    assert facts.managing_directors == ("Klaus Krause",)
    assert (facts.register_court, facts.register_number) == ("Amtsgericht Leipzig", "HRA 12345")
    assert (facts.postal_code, facts.city) == ("04109", "Leipzig")


def test_a_home_page_gives_employees_industry_and_its_own_imprint_link() -> None:
    html = _page("beispiel-gmbh-home.html")
    facts = read_home_page(html)
    assert (facts.name, facts.employees) == ("Beispiel Events GmbH", 250)
    assert facts.industry == "Veranstaltungsdienstleistungen"
    assert facts.description is not None and facts.description.endswith("…")
    assert facts.sources == ("json-ld", "opengraph")
    # the partner's imprint on another site is not this company's
    link = impressum_link(html, "https://www.beispiel-events.de/")
    assert link == "https://www.beispiel-events.de/impressum/"


def test_the_imprint_wins_where_it_and_the_home_page_both_speak() -> None:
    home = CompanyFacts(name="Beispiel Events", employees=250, sources=("opengraph",))
    imprint = CompanyFacts(name="Beispiel Events GmbH", sources=("impressum",))
    merged = merge(imprint, home)
    assert (merged.name, merged.employees) == ("Beispiel Events GmbH", 250)
    assert merged.sources == ("impressum", "opengraph")


@pytest.mark.parametrize(
    "html",
    ["", "<html>", "not html at all", "<p>" * 50_000, "<script type='application/ld+json'>[[[[",
     "\x00\x01<a href='javascript:alert(1)'>Impressum</a>"],
)  # fmt: skip
def test_a_page_that_says_nothing_gives_no_facts_and_never_raises(html: str) -> None:
    assert read_impressum(html).name is None
    assert read_home_page(html).name is None
    assert impressum_link(html, "https://www.beispiel.de/") is None
