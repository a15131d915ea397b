"""Time saves of a 10 000-NPC world (4 keys each) in a fresh profile store, N times.

    .venv/bin/python tools/measure_save_flushes.py 9
    strace -f -c -e trace=fsync,fdatasync .venv/bin/python tools/measure_save_flushes.py 3

The second form counts the flushes (the world's own commits make 12 ``fdatasync``; the
rest are the saves'). Prints the median and every save's time in milliseconds."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from engine_bridge.store import Store


def main(saves: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aicore-save-probe-", dir=Path.cwd()))
    try:
        store = Store.open(folder, "probe")
        memory = store.npc_memory()
        for slot in range(10_000):
            npc = memory[slot]
            npc["a"], npc["b"], npc["c"], npc["d"] = (1.0, 2.0, 3.0), "x", 3, True
        memory.flush()
        assert store.wait_committed(timeout=60)
        times = []
        for _ in range(saves):
            began = time.perf_counter()
            store.saves.save("slot").result(60)
            times.append((time.perf_counter() - began) * 1e3)
        store.close()
    finally:
        shutil.rmtree(folder)
    times.sort()
    print(f"save ms median {times[len(times) // 2]:.2f}", [round(t, 1) for t in times])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
