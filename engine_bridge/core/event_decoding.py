"""The frame's events from the bridge's msgpack batch, keeping the good ones of a bad batch.

The bridge validates events before they reach Python; what fails here means the engine
bypassed that validation or the two disagree, so each dropped event is logged and counted.
"""

from __future__ import annotations

import logging
from typing import Any

from engine_bridge.protocol.messages import MessageError, decode, decode_each

__all__ = ["decode_events"]

log = logging.getLogger("aicore.runtime")


def decode_events(events: bytes, frame: int) -> tuple[list[dict[str, Any]], int]:
    """The events of frame ``frame``, and how many were dropped. One that does not decode,
    or is not a map with a string ``type``, is logged and left out; the others are kept."""
    try:
        batch: list[Any] = decode(events)
    except Exception:  # one bad event must not cost the frame its good ones
        batch = decode_each(events)
    if all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in batch):
        return batch, 0
    kept = []
    dropped = 0
    for index, event in enumerate(batch):
        if isinstance(event, dict) and isinstance(event.get("type"), str):
            kept.append(event)
            continue
        dropped += 1
        why = event if isinstance(event, MessageError) else "not a map with a string 'type'"
        log.error("frame %d: event %d dropped: %s", frame, index, why)
    return kept, dropped
