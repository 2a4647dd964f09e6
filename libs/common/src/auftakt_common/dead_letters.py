"""Reading and replaying the dead-letter stream: messages a consumer gave up on, with the
subject they came from and the error that stopped them (see `consumers`)."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from .consumers import ERROR_HEADER, ORIGINAL_SUBJECT_HEADER
from .messaging import MSG_ID_HEADER
from .streams import DEAD_LETTER_STREAM

__all__ = ["DeadLetter", "list_dead_letters", "replay_dead_letters"]


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    subject: str  # dlq.<service>.<original subject>
    original_subject: str
    error: str
    data: bytes
    headers: dict[str, str]


async def list_dead_letters(js: JetStreamContext, service: str | None = None) -> list[DeadLetter]:
    """The dead letters in the stream, oldest first (of one service, or all)."""
    info = await js.stream_info(DEAD_LETTER_STREAM)
    if info.state.messages == 0:
        return []
    subject = f"dlq.{service}.>" if service else "dlq.>"
    sub = await js.subscribe(
        subject,
        stream=DEAD_LETTER_STREAM,
        ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    letters: list[DeadLetter] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=1)
            except TimeoutError:
                break  # nothing more of this subject
            headers = dict(msg.headers or {})
            letters.append(
                DeadLetter(
                    sequence=msg.metadata.sequence.stream,
                    subject=msg.subject,
                    original_subject=headers.get(ORIGINAL_SUBJECT_HEADER, ""),
                    error=headers.get(ERROR_HEADER, ""),
                    data=msg.data,
                    headers=headers,
                )
            )
            if msg.metadata.num_pending == 0:
                break
    finally:
        await sub.unsubscribe()
    return letters


async def replay_dead_letters(js: JetStreamContext, service: str) -> int:
    """Publish a service's dead letters to their original subjects again and remove them
    from the dead-letter stream; the number replayed. Other consumers of those subjects
    see the events again too: their inboxes make that harmless."""
    replayed = 0
    for letter in await list_dead_letters(js, service):
        if not letter.original_subject:
            continue
        headers = {
            key: value
            for key, value in letter.headers.items()
            if key not in (ORIGINAL_SUBJECT_HEADER, ERROR_HEADER) and not key.startswith("Nats-")
        }
        headers[MSG_ID_HEADER] = f"replay-{DEAD_LETTER_STREAM}-{letter.sequence}"
        await js.publish(letter.original_subject, letter.data, headers=headers)
        await js.delete_msg(DEAD_LETTER_STREAM, letter.sequence)
        replayed += 1
    return replayed
