"""pydantic's validation errors in German, by their type, with the field's label and
the limits from the error's context."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import pytest
from auftakt_common.commands import ScoringRule, field_errors
from auftakt_common.email_address import checked_email
from auftakt_common.german_errors import german_error, german_message
from pydantic import AfterValidator, BaseModel, Field, ValidationError


class _Staff(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "sales"]
    guests: int = Field(ge=1, le=10_000)
    deal_value: Decimal = Field(gt=0)
    email: Annotated[str, AfterValidator(checked_email)]


def _messages(data: dict[str, object]) -> dict[str, str]:
    labels = {"name": "Name", "role": "Rolle", "guests": "Gäste", "deal_value": "Auftragswert",
              "email": "E-Mail-Adresse"}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        _Staff.model_validate(data)
    return {
        str(error["loc"][0]): german_error(error, labels[str(error["loc"][0])])
        for error in refused.value.errors()
    }


def test_each_error_type_reads_as_a_german_sentence_with_the_limit_it_broke() -> None:
    messages = _messages(
        {"name": "x" * 201, "role": "chef", "guests": "viele", "deal_value": "-1", "email": "a@b"}
    )
    assert messages == {
        "name": "Name ist zu lang (höchstens 200 Zeichen)",
        "role": "Rolle hat keinen erlaubten Wert (möglich: admin, sales)",
        "guests": "Gäste muss eine ganze Zahl sein",
        "deal_value": "Auftragswert ist zu klein (muss größer als 0 sein)",
        "email": "keine gültige E-Mail-Adresse: Nach dem @ fehlt eine Domain mit Punkt "
        "(wie firma.de).",
    }


def test_missing_and_empty_fields_are_said_to_be_missing_and_big_limits_have_dots() -> None:
    messages = _messages({"name": "", "guests": 20_000})
    assert messages["name"] == "Name fehlt"
    assert messages["role"] == "Rolle fehlt"
    assert messages["guests"] == "Gäste ist zu groß (höchstens 10.000)"


def test_without_a_label_or_context_the_predicate_stands_alone() -> None:
    assert german_message("string_too_long") == "ist zu lang"
    assert german_message("value_error", label="E-Mail-Adresse") == "E-Mail-Adresse ist ungültig"
    assert german_message("some_new_pydantic_type", label="Ort") == "Ort ist ungültig"


def test_an_owners_reply_to_an_editor_is_german() -> None:
    with pytest.raises(ValidationError) as refused:
        ScoringRule.model_validate({"activity": "x1", "points": 500, "description": ""})
    errors = {error.field: error.message for error in field_errors(refused.value)}
    assert errors == {"points": "ist zu groß (höchstens 100)", "description": "fehlt"}
