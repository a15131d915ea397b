"""Why a cloud save was not uploaded or pulled: one structured error, read by its
:attr:`CloudSaveError.code` (a :class:`CloudSaveRefusal`), never by its message.

The C ABI maps the codes to result codes (``cpp/bridge/src/save_calls.cpp``):
``unavailable`` is ``AICORE_UNAVAILABLE``, ``no_such_save`` ``AICORE_NOT_FOUND``,
``corrupt`` ``AICORE_CORRUPT``, the others ``AICORE_ERROR``.
"""

from __future__ import annotations

import enum

__all__ = ["CloudSaveError", "CloudSaveRefusal"]


class CloudSaveRefusal(enum.StrEnum):
    """Why a cloud save operation did not happen."""

    UNAVAILABLE = "unavailable"
    """No gateway: sync is off, offline, the request went unanswered in time, or the
    gateway's store is down (``unavailable``). Try again later."""
    NO_SUCH_SAVE = "no_such_save"
    """The cloud holds no save of this key (in that slot)."""
    CORRUPT = "corrupt"
    """What came back is not the save it claims to be: its SHA-256 differs, or it is not a
    sound save (the checks a load makes). Nothing local was written."""
    TOO_LARGE = "too_large"
    """The save is larger than one message may carry (``MAX_SAVE_BYTES``)."""
    REFUSED = "refused"
    """The gateway refused the request (its code in the reason): a gateway that serves no
    saves (``unknown_kind``), a body it found malformed, a rate limit."""


class CloudSaveError(Exception):
    """A cloud save refused: ``code``, ``reason`` for people, and ``slot`` (None: any)."""

    def __init__(self, code: CloudSaveRefusal, reason: str, slot: str | None = None) -> None:
        super().__init__(f"{code}: {f'slot {slot!r}: ' if slot else ''}{reason}")
        self.code = code
        self.reason = reason
        self.slot = slot

    @property
    def kind(self) -> str:
        """The code as a plain string (what the C ABI reads, as it reads a StoreError's)."""
        return str(self.code)

    def as_dict(self) -> dict[str, str | None]:
        """The error as plain data (a log record)."""
        return {"code": str(self.code), "slot": self.slot, "reason": self.reason}
