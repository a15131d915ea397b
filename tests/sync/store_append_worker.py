"""One gateway process appending a client's whole stream into a shared store, as a client
would send it: from the last ``acked_through`` it was told, in batches, resending what it
is not sure of. Two of these at once, on one stream, test exactly-once across processes.

Usage: ``python store_append_worker.py STORE_URL CLIENT LAST BATCH``. Prints ``ready``
once the store is open, waits for a line on stdin (so both start together), appends seq
1..LAST and prints a JSON summary line.
"""

from __future__ import annotations

import json
import sys

from aicore_gateway.stores import StoreUnavailableError, open_store


def kind_of(seq: int) -> str:
    return "kind.even" if seq % 2 == 0 else "kind.odd"


def main() -> None:
    url, client, last, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = open_store(url)
    print("ready", flush=True)
    sys.stdin.readline()
    summary = {"sent": 0, "stored": 0, "duplicates": 0, "gaps": 0, "unavailable": 0}
    following = 1
    try:
        while following <= last:
            seqs = range(following, min(following + batch, last + 1))
            sent = [(seq, kind_of(seq), seq.to_bytes(4, "big")) for seq in seqs]
            try:
                result = store.append(client, sent)
            except StoreUnavailableError:
                summary["unavailable"] += 1  # the other process held the lock too long
                continue
            summary["sent"] += len(sent)
            summary["stored"] += result.stored
            summary["duplicates"] += result.duplicates
            summary["gaps"] += result.gap_at is not None
            following = result.acked_through + 1
    finally:
        store.close()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
