"""The website kit's tracking snippet: `GET /t.js`, one hand-written file served as it is,
with a strong ETag, an hour of caching and gzip (compressed once, on first use)."""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

__all__ = ["SNIPPET_FILE", "Snippet", "accepts_gzip", "router", "snippet"]

SNIPPET_FILE = Path(__file__).parent / "static" / "t.js"
_CACHE_CONTROL = "public, max-age=3600"

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Snippet:
    raw: bytes
    gzipped: bytes
    digest: str

    def etag(self, *, gzipped: bool) -> str:
        """A strong validator per representation: the gzip bytes are a different one."""
        return f'"{self.digest}-gzip"' if gzipped else f'"{self.digest}"'


@functools.cache
def snippet() -> Snippet:
    raw = SNIPPET_FILE.read_bytes()
    return Snippet(
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=9, mtime=0),
        digest=hashlib.sha256(raw).hexdigest()[:32],
    )


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an `Accept-Encoding` header allows gzip (`q=0` refuses, RFC 9110 §12.5.3)."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities[coding.strip().lower()] = quality
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0))) > 0


def _is_not_modified(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` names this representation (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


@router.get(
    "/t.js",
    summary="The website's consent-first tracking snippet (docs/website.md)",
    response_class=Response,
    responses={
        200: {"content": {"text/javascript": {}}, "description": "The snippet"},
        304: {"description": "Not modified (If-None-Match)"},
    },
)
async def tracking_snippet(request: Request) -> Response:
    asset = snippet()
    gzipped = accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = asset.etag(gzipped=gzipped)
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if _is_not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    headers["X-Content-Type-Options"] = "nosniff"
    # loadable from sites that isolate themselves (Cross-Origin-Embedder-Policy)
    headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(
        asset.gzipped if gzipped else asset.raw,
        media_type="text/javascript; charset=utf-8",
        headers=headers,
    )
