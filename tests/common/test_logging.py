"""No plaintext personal data reaches a log line, ours or a library's."""

from __future__ import annotations

import io
import json
import logging

import structlog
from auftakt_common.logging import configure_logging, scrub


def test_personal_fields_and_addresses_in_messages_are_redacted() -> None:
    out = io.StringIO()
    configure_logging(service="test", fmt="json", stream=out)
    try:
        log = structlog.get_logger("test")
        log.info(
            "lead from anna.schmidt@example.de",
            email="anna.schmidt@example.de",
            first_name="Anna",
            phone="+49 170 1234567",
            lead_id="0c8f5d2e",
            guests=120,
        )
        logging.getLogger("some.library").warning("retrying for jonas@firma.de, call 0170/9876543")
    finally:
        configure_logging(service="test", fmt="console")
    text = out.getvalue()
    assert "anna.schmidt@example.de" not in text and "Anna" not in text
    assert "1234567" not in text and "jonas@firma.de" not in text and "9876543" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["email"] == "[redacted]" and first["guests"] == 120
    assert first["lead_id"] == "0c8f5d2e" and first["service"] == "test"
    assert second["event"] == "retrying for [email], call [phone]"


def test_scrub_leaves_ids_dates_and_numbers_alone() -> None:
    text = "lead 5f0c2a9e-1b7d-4c1e-9a51-0d2c3b4a5e6f on 2027-12-10 with 120 guests"
    assert scrub(text) == text
