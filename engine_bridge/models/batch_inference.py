"""One decision model run for a whole batch of NPCs, in buffers kept from frame to frame.

:class:`BatchInference` owns three buffers: the feature rows the gatherer writes
(``features``, (rows, N_FEATURES) float32) and the model's two outputs (``labels``, (rows,)
int64, and ``probabilities``, (rows, classes) float32). A batch of ``n`` NPCs uses their
first ``n`` rows; the buffers are replaced by larger ones only when a batch has more rows
than they do (to the next power of two), so a game whose batches stay under that size
never allocates them again.

The model runs through onnxruntime's IO binding straight from and into those buffers: no
output array is allocated per call. A binding is shaped for one batch size, and binding
costs about as much as it saves (docs/models.md, "Inference"), so one binding is kept per
batch size met (at most :data:`BINDINGS_KEPT`, the least recently used dropped): the
batches of a game cycle through a few sizes, and each frame then pays for the run alone.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from engine_bridge.models.features import N_FEATURES

__all__ = ["BINDINGS_KEPT", "FIRST_ROWS", "BatchInference", "rows_for"]

FIRST_ROWS = 64
"""Rows the buffers start with (grown as batches need)."""
BINDINGS_KEPT = 64
"""Batch sizes whose IO binding is kept."""


def rows_for(n: int) -> int:
    """The rows a buffer grows to for a batch of ``n``: the next power of two, at least
    :data:`FIRST_ROWS`."""
    return max(FIRST_ROWS, 1 << max(0, n - 1).bit_length())


class BatchInference:
    """Runs ``session`` (an onnxruntime ``InferenceSession`` of one model: ``features``
    in, a label and probabilities out) for batches of feature rows, in its own buffers."""

    def __init__(
        self,
        session: Any,
        *,
        name: str,
        classes: tuple[str, ...],
        input_name: str = "features",
        label_output: str = "label",
        probabilities_output: str = "probabilities",
        rows: int = FIRST_ROWS,
    ) -> None:
        self.session = session
        self.name = name
        self.classes = tuple(classes)
        self.input_name = input_name
        self.label_output = label_output
        self.probabilities_output = probabilities_output
        self.runs = 0
        """Batches run (the number of onnxruntime calls)."""
        self.rows_run = 0
        """Rows decided, over every batch."""
        self.features = np.zeros((0, N_FEATURES), np.float32)
        self.labels = np.zeros(0, np.int64)
        self.probabilities = np.zeros((0, len(self.classes)), np.float32)
        self._bindings: OrderedDict[int, Any] = OrderedDict()
        self._grow(rows)

    @property
    def capacity(self) -> int:
        """Rows the buffers hold: the largest batch that runs without allocating."""
        return int(self.features.shape[0])

    def _grow(self, rows: int) -> None:
        self.features = np.zeros((rows, N_FEATURES), np.float32)
        self.labels = np.zeros(rows, np.int64)
        self.probabilities = np.zeros((rows, len(self.classes)), np.float32)
        self._bindings.clear()  # they point into the old buffers

    def rows(self, n: int) -> np.ndarray:
        """The buffer for a batch of ``n`` feature rows (grown first if it is too small):
        what the gatherer's ``out`` takes."""
        if n > self.capacity:
            self._grow(rows_for(n))
        return self.features

    def run(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Run the model on the first ``n`` rows of :attr:`features`; returns views of the
        first ``n`` labels and rows of probabilities (valid until the next run)."""
        if n > self.capacity:
            raise ValueError(f"a batch of {n} rows: call rows({n}) and fill it first")
        if n > 0:
            self.session.run_with_iobinding(self._binding(n))
            self.runs += 1
            self.rows_run += n
        return self.labels[:n], self.probabilities[:n]

    def _binding(self, n: int) -> Any:
        binding = self._bindings.get(n)
        if binding is not None:
            self._bindings.move_to_end(n)
            return binding
        binding = self.session.io_binding()
        binding.bind_input(
            self.input_name, "cpu", 0, np.float32, [n, N_FEATURES], self.features.ctypes.data
        )
        binding.bind_output(self.label_output, "cpu", 0, np.int64, [n], self.labels.ctypes.data)
        binding.bind_output(
            self.probabilities_output,
            "cpu",
            0,
            np.float32,
            [n, len(self.classes)],
            self.probabilities.ctypes.data,
        )
        self._bindings[n] = binding
        if len(self._bindings) > BINDINGS_KEPT:
            self._bindings.popitem(last=False)
        return binding

    def run_one(self, row: np.ndarray) -> tuple[int, np.ndarray]:
        """One NPC's row through the model on its own (``session.run``, outputs allocated):
        the per-NPC way, for comparison with :meth:`run` (tests and benchmarks)."""
        label, probabilities = self.session.run(
            [self.label_output, self.probabilities_output],
            {self.input_name: row.reshape(1, N_FEATURES)},
        )
        return int(label[0]), probabilities[0]
