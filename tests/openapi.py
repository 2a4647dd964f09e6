"""OpenAPI documents as their clients read them: every `$ref` resolves inside the
document, and a bounded, seeded schemathesis run against the service listening on
loopback (real HTTP, as a client generator's code or a fuzzer would call it) gets no 5xx.

Schemathesis sends blocking requests and Hypothesis drives it synchronously, so the run
happens in a worker thread while the service keeps serving on the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import requests
import schemathesis
import uvicorn
from auftakt_common.embedded import free_port
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Err
from starlette.types import ASGIApp

__all__ = ["EXAMPLES", "FuzzReport", "listening", "server_errors", "unresolved_refs"]

# requests per operation fitting its schema, and as many not fitting: each service's run
# stays well under a minute on two shared cores. AUFTAKT_FUZZ_EXAMPLES=200 searches longer.
EXAMPLES = int(os.environ.get("AUFTAKT_FUZZ_EXAMPLES", "10"))


def _refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """Every `$ref` in the document with the place it is written at."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from _refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs(item, f"{where}/{index}")


def _resolves(document: dict[str, Any], ref: str) -> bool:
    """Whether a reference names something in `document` (RFC 6901 pointer in a URI
    fragment). A reference to another file counts as unresolved: our documents are
    served alone."""
    if not ref.startswith("#"):
        return False
    pointer = unquote(ref[1:])
    if pointer == "":
        return True
    if not pointer.startswith("/"):
        return False  # a plain-name fragment needs an $anchor; we write none
    node: Any = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def unresolved_refs(document: dict[str, Any]) -> list[str]:
    """`<where> → <ref>` for each reference that does not resolve."""
    return [f"{where} → {ref}" for where, ref in _refs(document) if not _resolves(document, ref)]


@contextlib.asynccontextmanager
async def listening(app: ASGIApp, *, lifespan: bool = False) -> AsyncIterator[str]:
    """`app` served by uvicorn on a loopback port, on the running loop; its base URL.
    `lifespan=False` for an app whose lifespan the caller already runs."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on" if lifespan else "off",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task  # raises why it could not start
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class FuzzReport:
    requests: int = 0
    # how each operation answered: shows what the run reached (a 401 everywhere reaches
    # nothing)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    # one line per (operation, status), with the first request that got it, as curl
    server_errors: dict[tuple[str, int], str] = field(default_factory=dict)

    def summary(self) -> str:
        return "\n".join(
            f"{label}: " + ", ".join(f"{status}×{n}" for status, n in sorted(counts.items()))
            for label, counts in sorted(self.statuses.items())
        )

    def describe(self) -> str:
        return "\n\n".join(
            f"{label} → {status}\n{example}"
            for (label, status), example in sorted(self.server_errors.items())
        )


def server_errors(
    document: dict[str, Any],
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    examples: int = EXAMPLES,
) -> FuzzReport:
    """Send every operation of `document` `examples` generated requests that fit its
    schema and `examples` that do not; report the 5xx answers. Blocking: run it in a
    thread. Derandomized (the same requests each run, so CI is deterministic) and without
    Hypothesis's example database (nothing written into the checkout)."""
    schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config())
    report = FuzzReport()
    bounded = settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        # no shrinking: a 5xx is reported with the request that got it, and the run
        # stays bounded when there are some
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    with requests.Session() as session:
        session.headers.update(headers or {})
        for result in schema.get_all_operations():
            if isinstance(result, Err):  # an operation schemathesis cannot read
                raise result.err()
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode)
                try:
                    bounded(given(case=strategy)(_sender(report, session, base_url)))()
                except Unsatisfiable:
                    # nothing to get wrong (no parameters, no body): no negative requests
                    assert mode is GenerationMode.NEGATIVE, operation.label
    return report


def _sender(report: FuzzReport, session: requests.Session, base_url: str) -> Any:
    def send(case: Case[Any]) -> None:
        response = case.call(base_url=base_url, session=session, timeout=30)
        report.requests += 1
        report.statuses[case.operation.label][response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors.setdefault(
                (case.operation.label, response.status_code),
                f"{case.as_curl_command()}\n→ {response.text[:500]}",
            )

    return send
