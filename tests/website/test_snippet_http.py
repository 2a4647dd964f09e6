"""`GET /t.js` as a browser and a CDN see it: JavaScript, cached for an hour, revalidated
with a strong ETag, gzip when accepted; and small."""

from __future__ import annotations

import gzip

import httpx
import pytest
from auftakt_capture.website import SNIPPET_FILE, accepts_gzip, snippet

_PLAIN = {"Accept-Encoding": "identity"}
_GZIP = {"Accept-Encoding": "gzip, deflate, br"}


async def test_the_snippet_is_javascript_cached_for_an_hour_with_a_strong_etag(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/t.js", headers=_PLAIN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert "Accept-Encoding" in response.headers["vary"].split(", ")
    assert "content-encoding" not in response.headers
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.content == SNIPPET_FILE.read_bytes()


async def test_a_client_that_accepts_gzip_gets_it_with_an_etag_of_its_own(
    client: httpx.AsyncClient,
) -> None:
    plain = await client.get("/t.js", headers=_PLAIN)
    response = await client.get("/t.js", headers=_GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == plain.content  # httpx decoded it
    assert int(response.headers["content-length"]) == len(snippet().gzipped)
    assert response.headers["etag"] not in (plain.headers["etag"], "")


@pytest.mark.parametrize("headers", [_PLAIN, _GZIP], ids=["plain", "gzip"])
async def test_a_known_etag_is_answered_304_without_a_body(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    etag = (await client.get("/t.js", headers=headers)).headers["etag"]
    for if_none_match in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        response = await client.get("/t.js", headers={**headers, "If-None-Match": if_none_match})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "public, max-age=3600"

    changed = await client.get("/t.js", headers={**headers, "If-None-Match": '"older"'})
    assert changed.status_code == 200


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("*", True),
        ("identity", False),
        ("", False),
        ("gzip;q=0", False),
        ("*;q=0.5, gzip;q=0", False),
        ("GZIP ; Q=0.5", True),
        ("gzip;q=x", False),
    ],
)
def test_gzip_is_chosen_as_accept_encoding_allows(accept_encoding: str, gzipped: bool) -> None:
    assert accepts_gzip(accept_encoding) is gzipped


def test_the_snippet_is_under_five_kilobytes_gzipped() -> None:
    asset = snippet()
    assert gzip.decompress(asset.gzipped) == asset.raw
    print(f"t.js: {len(asset.raw)} bytes, {len(asset.gzipped)} bytes gzipped")
    assert len(asset.gzipped) < 5 * 1024
