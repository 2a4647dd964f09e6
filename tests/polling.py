"""Waiting for what other processes do, the one way every test does it: poll, never sleep
a guessed time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

_T = TypeVar("_T")


async def wait_for(
    check: Callable[[], Awaitable[_T | None]],
    until: Callable[[_T], bool] = lambda _: True,
    *,
    timeout: float = 20.0,
    settle: float = 0.0,
) -> _T:
    """Poll `check` until it returns something (not None) that `until` accepts. With
    `settle`, look once more that much later and return that (to catch late extra
    effects, such as a score counted twice)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found is not None and until(found):
            break
        if loop.time() > deadline:
            raise AssertionError(f"not reached in {timeout}s: {found!r}")
        await asyncio.sleep(0.05)
    if settle:
        await asyncio.sleep(settle)
        final = await check()
        assert final is not None
        return final
    return found
