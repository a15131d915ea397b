"""``decode_message`` never trusts the peer: whatever bytes or msgpack structure arrive,
it returns frames or raises :class:`FrameError`, nothing else (the gateway answers a
``sync.reject`` for each one and carries on)."""

from __future__ import annotations

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_bridge.sync.frames import CONTROL_KINDS, Frame, FrameError, Refusal, decode_message

# Values msgpack can carry, nested (its integers are int64 and uint64).
_INTEGERS = st.integers(min_value=-(2**63), max_value=2**64 - 1)
_SCALARS = (
    st.none()
    | st.booleans()
    | _INTEGERS
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.binary(max_size=20)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | _INTEGERS | st.binary(max_size=4), inner, max_size=4
        )
    ),
    max_leaves=12,
)
# Frames that are nearly right: the five keys, each value sometimes of the wrong kind.
_FIELD_VALUES = {
    "v": st.sampled_from([1, 1, 1, 0, 2, -1, "1", None]),
    "client": st.sampled_from(["alice/m1", "", "x" * 129, "bob/m1"]) | st.text(max_size=5),
    "seq": _INTEGERS | st.sampled_from([0, 1, 2**64 - 1, -1, "1", 1.0]),
    "kind": st.sampled_from([*sorted(CONTROL_KINDS), "event.custom", "", "k" * 65]) | _INTEGERS,
    "body": _VALUES,
}


def _cut_or_padded(data: bytes, change: int) -> bytes:
    """``data`` without its last ``-change`` bytes, or with ``change`` zero bytes after."""
    return data[:change] if change < 0 else data + b"\x00" * change


_FRAMES = st.fixed_dictionaries(
    {},
    optional={**_FIELD_VALUES, "extra": _VALUES},
)
_MESSAGES = st.one_of(
    st.binary(max_size=200),
    _VALUES.map(lambda value: msgpack.packb(value, use_bin_type=True)),
    st.lists(_FRAMES, max_size=5).map(lambda frames: msgpack.packb(frames, use_bin_type=True)),
    # Good messages cut short or with bytes after them.
    st.tuples(st.lists(_FRAMES, min_size=1, max_size=3), st.integers(-5, 5)).map(
        lambda case: _cut_or_padded(msgpack.packb(case[0], use_bin_type=True), case[1])
    ),
)


@settings(
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_MESSAGES)
def test_decoding_raises_frame_error_or_returns_frames(data: bytes) -> None:
    try:
        frames = decode_message(data)
    except FrameError as error:
        refused = error
    else:
        assert frames
        assert all(isinstance(frame, Frame) for frame in frames)
        return
    assert refused.code in Refusal
    assert refused.reason
