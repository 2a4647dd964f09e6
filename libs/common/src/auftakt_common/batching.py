"""Group commit: work that arrives while a batch is being written goes in the next batch.

Each message handler adds its item and gets a future that resolves once the item is
committed. While one batch is being written, the next items queue up and go together, so
a quiet system writes each item at once and a busy one hundreds per round trip. A batch
that fails is retried item by item, so one bad item fails alone and the others commit.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

_Item = TypeVar("_Item")


class GroupCommit(Generic[_Item]):
    def __init__(
        self,
        write: Callable[[Sequence[_Item]], Awaitable[None]],
        *,
        max_batch: int = 500,
        item_may_be_at_fault: Callable[[Exception], bool] = lambda error: True,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        # False for failures no item causes (the database is down): retrying each item
        # alone would only multiply the load on what is failing
        self._item_may_be_at_fault = item_may_be_at_fault
        self._pending: list[tuple[_Item, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, item: _Item) -> asyncio.Future[None]:
        """Queue `item`; the future resolves once it is committed, or fails with what
        writing it raised (cancelled if the writer was stopped first)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            # a context of its own: the batch is nobody's message (logs, correlation ids)
            self._writer = asyncio.create_task(
                self._write_pending(), name="group-commit", context=contextvars.Context()
            )
        return future

    async def drain(self, timeout: float) -> None:
        """Let the items already queued be written (at most `timeout` seconds)."""
        if self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer}, timeout=timeout)

    async def _write_pending(self) -> None:
        batch: list[tuple[_Item, asyncio.Future[None]]] = []
        try:
            await asyncio.sleep(0)  # the messages that arrived together go together
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._write_batch(batch)
        except BaseException:  # cancelled (shutdown): nobody may wait forever
            for _, future in batch + self._pending:
                future.cancel()
            self._pending.clear()
            raise

    async def _write_batch(self, batch: list[tuple[_Item, asyncio.Future[None]]]) -> None:
        try:
            await self._write([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1 or not self._item_may_be_at_fault(exc):
                for _, future in batch:
                    _resolve(future, exc)
                return
            for item, future in batch:  # find the bad one: each alone
                try:
                    await self._write([item])
                except Exception as item_exc:
                    _resolve(future, item_exc)
                else:
                    _resolve(future, None)
            return
        for _, future in batch:
            _resolve(future, None)


def _resolve(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():  # its handler was cancelled meanwhile
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
