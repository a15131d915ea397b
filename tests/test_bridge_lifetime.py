"""A runtime created and destroyed through the C ABI leaves nothing behind in the process:
logging after destroy neither calls into freed memory nor stays diverted."""

from __future__ import annotations

import logging

import pytest
from native_runtime import create_runtime

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.native import abi


def test_logging_after_destroy_is_safe_and_back_to_normal(caplog: pytest.LogCaptureFixture) -> None:
    lib = abi.load()
    config = abi.default_config(lib)
    for _ in range(2):  # create/destroy twice: the interpreter is reused, never restarted
        rt = create_runtime(lib, config)
        assert lib.aicore_tick(rt, FRAME_SECONDS) == 0
        lib.aicore_runtime_destroy(rt)
    with caplog.at_level(logging.ERROR, logger="aicore"):
        logging.getLogger("aicore.scheduler").error("after the runtime is gone")
    assert "after the runtime is gone" in caplog.text
