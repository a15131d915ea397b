"""IO binding or not: the shipped ``npc_action`` run on the same rows, alternately through
a binding kept for the batch size (what the decision step does) and through a plain
``session.run`` (outputs allocated at each call), for several batch sizes.

    .venv/bin/python tools/measure_io_binding.py 4000

Alternating the two in one loop gives both the same machine load (the machine may be
shared). Prints, per batch size, the median and 10th percentile of each in microseconds."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from engine_bridge.models.batch_inference import BatchInference
from engine_bridge.models.registry import ModelRegistry

CONTENT = Path(__file__).resolve().parents[1] / "content"


def main(repeats: int) -> None:
    model = ModelRegistry([CONTENT], names=["npc_action"]).get("npc_action")
    if model is None:
        raise SystemExit("npc_action is off: see aicore models verify")
    runner = BatchInference(model.session, name=model.name, classes=model.classes)
    names = [runner.label_output, runner.probabilities_output]
    for n in (1, 17, 64, 300, 1_000):
        runner.rows(n)[:n] = np.random.default_rng(1).random((n, runner.features.shape[1]))
        rows = runner.features[:n]
        kept, plain = [], []
        for repeat in range(repeats):
            for way in ("kept", "plain") if repeat % 2 else ("plain", "kept"):
                began = time.perf_counter()
                if way == "kept":
                    runner.run(n)
                else:
                    model.session.run(names, {runner.input_name: rows})
                (kept if way == "kept" else plain).append(time.perf_counter() - began)
        print(
            f"{n:>5} rows: kept binding median {np.median(kept) * 1e6:6.2f} us "
            f"(p10 {np.percentile(kept, 10) * 1e6:6.2f}), session.run median "
            f"{np.median(plain) * 1e6:6.2f} us (p10 {np.percentile(plain, 10) * 1e6:6.2f})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
