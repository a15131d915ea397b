"""The onnxruntime session every NPC model runs in, with options chosen for a game frame.

* ``intra_op_num_threads = 1`` and ``inter_op_num_threads = 1``: a model of ~1 300
  multiply-adds per NPC decides for a thousand NPCs in microseconds; splitting that across
  threads costs more in hand-over than it saves, and the game thread runs it in the frame.
* ``execution_mode = ORT_SEQUENTIAL``: the graph is a chain; nothing runs in parallel.
* ``session.intra_op.allow_spinning = 0`` and ``session.inter_op.allow_spinning = 0``:
  onnxruntime's worker threads otherwise spin while they wait for work, and in a game
  that is CPU stolen from the frame (and from the audio thread) between decisions.
* ``graph_optimization_level = ORT_ENABLE_ALL``: constant folding and fused kernels,
  once, at load.
* only the CPU execution provider: the results do not depend on a machine's GPU.
* ``enable_mem_pattern = False``: with memory patterns on (onnxruntime's default), a
  session plans and keeps one allocation pattern per input shape it meets, for its whole
  life. The decision step's batch is however many NPCs are due this frame, so a game meets
  a new batch size every so often for as long as it runs, and each one stayed: about
  0.4 kB per size and model, as many sizes as the town has NPCs (docs/qa.md, "Soak").
  Without patterns a run takes its intermediate tensors from the session's arena
  instead, which costs about half a microsecond a batch of 50 rows (10.6 -> 11.2 us).

A session's first run allocates and plans (the "slow first call"); :func:`warm_up` runs
one batch at load so no NPC pays for it in a frame.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from engine_bridge.models.features import N_FEATURES
from vocal.extras import import_extra

__all__ = ["PROVIDERS", "SESSION_CONFIG", "WARM_UP_ROWS", "onnxruntime", "open_session", "warm_up"]

SESSION_CONFIG = {
    "session.intra_op.allow_spinning": "0",
    "session.inter_op.allow_spinning": "0",
}
"""Session configuration entries (onnxruntime_session_options_config_keys.h)."""
PROVIDERS = ["CPUExecutionProvider"]
WARM_UP_ROWS = 64
"""Rows of the warm-up batch: enough to size the buffers of a typical decision step."""


def onnxruntime() -> ModuleType:
    """The onnxruntime module, or :class:`~vocal.extras.MissingExtraError` naming the
    ``models`` extra."""
    return import_extra("onnxruntime", "the NPC decision models")


def open_session(model: bytes) -> Any:
    """An ``InferenceSession`` over the ONNX bytes ``model``, with the options above.

    Raises whatever onnxruntime raises for bytes it cannot load (the registry turns it
    into a ``ContentError``), or ``MissingExtraError``.
    """
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_mem_pattern = False  # no pattern kept per batch size: see above
    options.log_severity_level = 3  # errors only: a failed load is reported by the registry
    for key, value in SESSION_CONFIG.items():
        options.add_session_config_entry(key, value)
    return ort.InferenceSession(model, sess_options=options, providers=PROVIDERS)


def warm_up(session: Any, input_name: str, rows: int = WARM_UP_ROWS) -> list[np.ndarray]:
    """Run ``session`` once on ``rows`` rows of zeros; returns its outputs (so the caller
    can check their shapes)."""
    batch = np.zeros((rows, N_FEATURES), np.float32)
    return list(session.run(None, {input_name: batch}))
