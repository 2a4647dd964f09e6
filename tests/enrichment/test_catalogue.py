"""The published event catalogue (docs/asyncapi/enrichment.json) is what the code declares."""

from __future__ import annotations

from pathlib import Path

from auftakt_common.catalogue import asyncapi_json
from auftakt_enrichment.app import EnrichmentService
from auftakt_enrichment.settings import EnrichmentSettings

CATALOGUE = Path(__file__).parents[2] / "docs" / "asyncapi" / "enrichment.json"


def test_the_asyncapi_document_in_the_docs_is_up_to_date(
    enrichment_settings: EnrichmentSettings,
) -> None:
    service = EnrichmentService(enrichment_settings, work=False)
    generated = asyncapi_json(service.broker, title="Auftakt enrichment", version="0.1.0")
    assert generated == CATALOGUE.read_text(), (
        "regenerate: python -m auftakt_enrichment asyncapi > docs/asyncapi/enrichment.json"
    )
    for subject in ("lead.enriched", "company.enriched", "lead.created"):
        assert f'"address": "{subject}"' in generated
