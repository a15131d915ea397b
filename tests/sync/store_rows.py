"""Read a gateway store's tables directly (not through the store), so tests check what
was really written: every seq of a stream once, with its body."""

from __future__ import annotations

import sqlite3


def stored_events(url: str, client: str) -> list[tuple[int, str, bytes]]:
    """``(seq, kind, body)`` of every stored event of ``client``, by seq."""
    query = "SELECT seq, kind, body FROM events WHERE client = {p} ORDER BY seq"
    if url.startswith("sqlite:"):
        conn = sqlite3.connect(url.removeprefix("sqlite:"))
        try:
            return [tuple(row) for row in conn.execute(query.format(p="?"), (client,))]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(query.format(p="%s"), (client,)).fetchall()
    return [(seq, kind, bytes(body)) for seq, kind, body in rows]
