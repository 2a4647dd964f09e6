"""What every transport promises: deliver a mail, or say how it failed — and whether the
mail may have gone out anyway (`maybe_sent`): the dispatcher resends only what surely
did not leave, unless the transport deduplicates resends itself (`idempotent`)."""

from __future__ import annotations

from typing import Literal, Protocol

from .messages import OutgoingMail

__all__ = ["DeliveryFailed", "Failure", "Transport"]


Failure = Literal["retry", "bounced", "rejected", "maybe_sent"]


class DeliveryFailed(Exception):
    """The transport could not deliver. `retry`: surely not sent, try again later;
    `bounced`: the address is refused for good (a hard bounce); `rejected`: this mail is
    refused (retrying cannot help); `maybe_sent`: it may have left before the failure."""

    def __init__(self, message: str, failure: Failure = "retry") -> None:
        super().__init__(message)
        self.failure: Failure = failure


class Transport(Protocol):
    idempotent: bool

    async def send(self, mail: OutgoingMail) -> str:
        """Deliver; the provider's message id."""
        ...

    async def close(self) -> None: ...
