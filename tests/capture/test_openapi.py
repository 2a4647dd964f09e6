"""Capture's OpenAPI document is one a client can read (every reference resolves), and
requests generated from it — fitting it or not — get no server error."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import FastAPI

from tests.openapi import EXAMPLES, listening, server_errors, unresolved_refs


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_every_reference_in_the_openapi_document_resolves(
    client: httpx.AsyncClient,
) -> None:
    document = await _document(client)

    assert unresolved_refs(document) == []
    body = document["paths"]["/v1/activities"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/ActivityCreate"},
        {"$ref": "#/components/schemas/ActivityBatch"},
    ]


async def test_requests_generated_from_the_openapi_document_get_no_server_error(
    capture_app: FastAPI, client: httpx.AsyncClient
) -> None:
    document = await _document(client)
    started = time.monotonic()
    async with listening(capture_app) as base_url:
        report = await asyncio.to_thread(server_errors, document, base_url, examples=EXAMPLES)
    print(f"{report.requests} requests in {time.monotonic() - started:.1f}s\n{report.summary()}")

    assert report.server_errors == {}, report.describe()
    assert report.requests > len(document["paths"]) * EXAMPLES
