"""The published event catalogue (docs/asyncapi/scoring.json) is what the code declares."""

from __future__ import annotations

from pathlib import Path

from auftakt_common.catalogue import asyncapi_json
from auftakt_scoring.app import ScoringService
from auftakt_scoring.settings import ScoringSettings

CATALOGUE = Path(__file__).parents[2] / "docs" / "asyncapi" / "scoring.json"


def test_the_asyncapi_document_in_the_docs_is_up_to_date() -> None:
    service = ScoringService(ScoringSettings(), decay=False)
    generated = asyncapi_json(service.broker, title="Auftakt scoring", version="0.1.0")
    assert generated == CATALOGUE.read_text(), (
        "regenerate: python -m auftakt_scoring asyncapi > docs/asyncapi/scoring.json"
    )
    for subject in ("activity.recorded", "lead.erasure_requested", "lead.scored"):
        assert f'"address": "{subject}"' in generated
