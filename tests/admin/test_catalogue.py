"""The published event catalogue (docs/asyncapi/admin-api.json) is what the code declares."""

from __future__ import annotations

from pathlib import Path

from auftakt_admin.app import AdminService
from auftakt_admin.settings import AdminSettings
from auftakt_common.catalogue import asyncapi_json

CATALOGUE = Path(__file__).parents[2] / "docs" / "asyncapi" / "admin-api.json"


def test_the_asyncapi_document_in_the_docs_is_up_to_date(admin_settings: AdminSettings) -> None:
    service = AdminService(admin_settings)
    generated = asyncapi_json(service.broker, title="Auftakt admin-api", version="0.1.0")
    assert generated == CATALOGUE.read_text(), (
        "regenerate: python -m auftakt_admin asyncapi > docs/asyncapi/admin-api.json"
    )
    for subject in ("lead.status_changed", "lead.assigned", "lead.erasure_requested"):
        assert f'"address": "{subject}"' in generated
