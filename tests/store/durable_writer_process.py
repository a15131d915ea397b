"""The writer process of test_store_durability.py: writes frames to a store as fast as
it can and says on stdout what is committed, until it is killed.

Usage: ``python durable_writer_process.py SAVE_ROOT PROFILE``. Each frame appends
``EVENTS`` outbox events and as many memory writes (slot ``seq % 100``, key ``last``,
value ``seq``). Stdout lines:

* ``committed SEQ``: every event up to ``SEQ`` is committed (printed once the writer has
  committed the frame that appended ``SEQ``);
* ``saved SEQ``: the save ``auto`` returned and holds the frame that appended ``SEQ``.
"""

from __future__ import annotations

import sys
from collections import deque

from engine_bridge.store import Store, StoreConfig

EVENTS = 50
SAVE_EVERY = 40  # frames


def main() -> None:
    root, profile = sys.argv[1], sys.argv[2]
    store = Store.open(root, profile, StoreConfig(queue_size=8, handover_budget_s=0.01))
    memory = store.npc_memory()
    in_flight: deque[tuple[int, int]] = deque()  # (ticket, last seq of its frame)
    frame = 0
    while True:
        seq = 0
        for _ in range(EVENTS):
            seq = store.outbox.append("tick", {"pad": "x" * 48, "frame": frame})
            memory[seq % 100]["last"] = seq
        ticket = store.flush()
        assert ticket is not None
        in_flight.append((ticket, seq))
        done = store.committed_through
        while in_flight and in_flight[0][0] <= done:
            print(f"committed {in_flight.popleft()[1]}", flush=True)
        frame += 1
        if frame % SAVE_EVERY == 0:
            store.saves.save("auto").result(60)
            print(f"saved {seq}", flush=True)


if __name__ == "__main__":
    main()
