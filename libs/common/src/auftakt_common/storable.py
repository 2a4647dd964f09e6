"""Text PostgreSQL can store. Its text types refuse the NUL character, so a value with
one would fail at the database as an internal error; refused at validation instead, it
is named as the field it is in."""

from __future__ import annotations

from typing import Any

from .german_errors import SaidInGerman

__all__ = ["refuse_nul"]


def refuse_nul(value: Any) -> Any:
    """`value` as it is, if no text in it (in lists and dicts too, keys included) holds a
    NUL character. For `field_validator("*", mode="before")` on a model's base."""
    if isinstance(value, str) and "\x00" in value:
        raise SaidInGerman("darf keine Nullzeichen enthalten")
    if isinstance(value, list | tuple):
        for item in value:
            refuse_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    return value
