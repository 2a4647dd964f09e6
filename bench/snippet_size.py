"""The website snippet's weight: raw and gzipped bytes of `t.js` as capture serves it
(gzip level 9, compressed once), against the 5 KB gzipped budget (docs/website.md).

    .venv/bin/python bench/snippet_size.py
"""

from __future__ import annotations

from auftakt_capture.website import SNIPPET_FILE, snippet

BUDGET = 5 * 1024


def main() -> None:
    asset = snippet()
    print(
        f"{SNIPPET_FILE.name}: {len(asset.raw):,} bytes raw, {len(asset.gzipped):,} bytes gzipped"
    )
    print(f"budget: {BUDGET:,} bytes gzipped, {BUDGET - len(asset.gzipped):,} left")


if __name__ == "__main__":
    main()
