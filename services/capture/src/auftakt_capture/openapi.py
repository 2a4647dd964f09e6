"""Capture's OpenAPI document. The lead and activity endpoints read their bodies
themselves (a plain HTML form, text/plain JSON from `navigator.sendBeacon`), so FastAPI
never sees their models: the routes describe those bodies by reference, and this module
puts the models (and the models they nest) into `components.schemas`, where the
references point — a `$defs` copied into a route would be looked up at the document's
root, where there is none."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

__all__ = ["documented_models", "schema_ref"]

_COMPONENT = "#/components/schemas/{model}"


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """The reference to `model` in the document; `documented_models` must list it."""
    return {"$ref": _COMPONENT.format(model=model.__name__)}


def documented_models(
    app: FastAPI, models: Sequence[type[BaseModel]]
) -> Callable[[], dict[str, Any]]:
    """`app.openapi` with `models` (as validated: what a client sends) in its
    components. Assign the result to `app.openapi`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # FastAPI's own; cached in app.openapi_schema, then extended
        _, found = models_json_schema(
            [(model, "validation") for model in models], ref_template=_COMPONENT
        )
        schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in found.get("$defs", {}).items():
            if schemas.setdefault(name, schema) != schema:
                # one name, two meanings: a reference would silently mean the other one
                raise ValueError(f"two different schemas are both named {name}")
        return document

    return openapi
