"""What NPCs know: the lore entries in ``content/lore/*.toml``, searchable by full text.

Each lore file holds one ``[[entry]]`` table per entry::

    [[entry]]
    id = "crypt_of_st_wulfric"       # lower_snake_case, unique across every lore file
    title = "The crypt under St. Wulfric's"
    tags = ["crypt", "church"]       # words a search should find it by
    text = \"\"\"A paragraph or two.\"\"\"
    known_by = ["aethelred", "wraith"]   # optional: the NPC kinds who know it (any
                                         # kind a script defines); left out, it is
                                         # common knowledge

:class:`KnowledgeBase` indexes them in an SQLite FTS5 table (a file, or ``":memory:"``)
and ranks matches with bm25, a title match counting more than a tag match, and a tag
match more than one in the text. The index stores a hash of the lore files it was built
from, so opening it again rebuilds only when a file was added, removed or edited.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from engine_bridge.content.layers import ContentError, has_folder, layered_files, normalize_roots
from vocal.content_fields import ID_PATTERN, ContentFile, Fields

__all__ = ["LORE_DIR", "KnowledgeBase", "LoreEntry", "LoreHit", "load_lore"]

LORE_DIR: Path = Path("lore")
"""Where the lore files live, relative to the content root."""

# Part of the stored hash: a change to the tables below rebuilds every existing index.
_SCHEMA_VERSION = 1
_ENTRY_FIELDS = frozenset({"id", "title", "tags", "text", "known_by"})
# bm25 weights for the indexed columns, in table order: title, tags, text.
_BM25_WEIGHTS = (10.0, 4.0, 1.0)
_SNIPPET_TOKENS = 16
# The words of a query: runs of letters and digits, joined across an apostrophe or hyphen
# ("Wulfric's", "crossed-out") so such a word is searched as the phrase it is indexed as.
# Everything else — quotes, parentheses, operators' punctuation — is dropped.
_QUERY_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
# Snippets are marked with control characters no lore text holds, then with [ and ], so a
# bracket written in the lore is never mistaken for a match.
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"

_SCHEMA = (
    "DROP TABLE IF EXISTS lore_fts",
    "DROP TABLE IF EXISTS lore_known_by",
    "DROP TABLE IF EXISTS lore_entry",
    """
    CREATE TABLE lore_entry (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        tags TEXT NOT NULL,          -- one tag per line
        text TEXT NOT NULL,
        source TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE lore_known_by (
        entry INTEGER NOT NULL REFERENCES lore_entry(rowid),
        kind TEXT NOT NULL,
        PRIMARY KEY (entry, kind)
    )
    """,
    # External content: the text is stored once, in lore_entry. Porter stemming lets
    # "moons" find "moon"; remove_diacritics lets "cafe" find "café".
    """
    CREATE VIRTUAL TABLE lore_fts USING fts5(
        title, tags, text,
        content = 'lore_entry', content_rowid = 'rowid',
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
)


@dataclass(frozen=True)
class LoreEntry:
    """One entry of lore, as written in its file."""

    id: str
    title: str
    tags: tuple[str, ...]
    text: str
    known_by: frozenset[str] | None
    """The NPC kinds who know it; ``None`` when everyone does."""
    source: Path
    """The lore file it came from."""


@dataclass(frozen=True)
class LoreHit:
    """One search result, best first in :meth:`KnowledgeBase.search`."""

    id: str
    title: str
    snippet: str
    """A few words around the match, matched words marked ``[like this]``."""
    score: float
    """Relevance, higher is better: bm25 negated (SQLite's bm25 is lower-is-better)."""


class KnowledgeBase:
    """A full-text index of the lore; open it with :meth:`open`, close it when done."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        rebuilt: bool,
        errors: tuple[ContentError, ...] = (),
    ) -> None:
        self._db = connection
        self.rebuilt = rebuilt
        """Whether :meth:`open` rebuilt the index (the lore changed or it was new)."""
        self.errors = errors
        """The lore files left out of the index, one error each; every other file is in."""

    @classmethod
    def open(cls, db_path: str | Path, *content_roots: str | Path) -> Self:
        """Open (creating if needed) the index at ``db_path`` over the lore of
        ``content_roots`` (later roots layered over earlier ones).

        The index is rebuilt when it is new or when the hash of the lore files (their
        names and bytes) differs from the one it was built from; otherwise it is used as
        it stands. A rebuild is one transaction. A file that does not load (see
        :func:`load_lore`) is left out, and listed in :attr:`errors`.

        Raises:
            FileNotFoundError: no content root has a ``lore`` folder.
            sqlite3.Error: the database cannot be opened or written.
        """
        lore = _Lore.read(content_roots)
        # Autocommit mode: transactions are begun explicitly, so DDL is inside them too.
        db = sqlite3.connect(db_path, isolation_level=None)
        try:
            rebuilt = lore.bring_up_to_date(db)
        except BaseException:
            db.close()
            raise
        return cls(db, rebuilt=rebuilt, errors=lore.errors)

    @classmethod
    def in_database(
        cls,
        connect_reader: Callable[[], sqlite3.Connection],
        write: Callable[[Callable[[sqlite3.Connection], bool]], bool],
        *content_roots: str | Path,
    ) -> Self:
        """The index kept in a database someone else writes: the player profile's store,
        whose one writer thread runs ``write(task)`` (``task`` gets the write connection,
        autocommit, and says whether it rebuilt). Searches go through a connection of
        ``connect_reader()``, which the index owns and closes. Rebuilt as :meth:`open`
        says; raises what :meth:`open` raises."""
        lore = _Lore.read(content_roots)
        rebuilt = write(lore.bring_up_to_date)
        return cls(connect_reader(), rebuilt=rebuilt, errors=lore.errors)

    def search(self, query: str, *, limit: int = 5, known_by: str | None = None) -> list[LoreHit]:
        """The entries best matching ``query``'s words, best first, at most ``limit``.

        The query is plain words: FTS5 syntax (quotes, ``AND``, ``OR``, ``NEAR``,
        parentheses, ``*``, ``column:``) is not interpreted, only the words are looked
        for. An entry matches when it holds any of them, and ranks higher the more it is
        about them. A query without words returns ``[]``.

        With ``known_by``, only entries that NPC kind knows are returned: common
        knowledge and entries whose ``known_by`` names it (``self.kb.search(query,
        known_by=self.kind)`` in a script).

        Raises:
            ValueError: ``limit`` is not a positive integer or ``known_by`` is not a
                lower_snake_case kind name.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        if known_by is not None and (
            not isinstance(known_by, str) or not ID_PATTERN.fullmatch(known_by)
        ):
            raise ValueError(f"known_by must be a lower_snake_case NPC kind; got {known_by!r}")
        words = _QUERY_WORD.findall(query)
        if not words:
            return []
        # Each word quoted is an FTS5 string, never an operator; the words never hold a
        # double quote, so no escaping is needed.
        match = " OR ".join(f'"{word}"' for word in words)
        weights = ", ".join(str(w) for w in _BM25_WEIGHTS)
        snippets = ", ".join(
            f"snippet(lore_fts, {column}, char(2), char(3), '…', {_SNIPPET_TOKENS})"
            for column in (2, 0, 1)  # text, title, tags: the first that holds a match wins
        )
        rows = self._db.execute(
            f"""
            SELECT e.id, e.title, bm25(lore_fts, {weights}), {snippets}
            FROM lore_fts JOIN lore_entry AS e ON e.rowid = lore_fts.rowid
            WHERE lore_fts MATCH :match
              AND (:kind IS NULL
                   OR NOT EXISTS (SELECT 1 FROM lore_known_by AS k WHERE k.entry = e.rowid)
                   OR EXISTS (SELECT 1 FROM lore_known_by AS k
                              WHERE k.entry = e.rowid AND k.kind = :kind))
            ORDER BY bm25(lore_fts, {weights}), e.id
            LIMIT :limit
            """,
            {"match": match, "kind": known_by, "limit": limit},
        ).fetchall()
        return [
            LoreHit(id=row[0], title=row[1], snippet=_pick_snippet(row[3:]), score=-row[2])
            for row in rows
        ]

    def entries(self) -> list[LoreEntry]:
        """Every entry in the index, in the order of the lore files."""
        ids = [row[0] for row in self._db.execute("SELECT id FROM lore_entry ORDER BY rowid")]
        return [entry for entry_id in ids if (entry := self.get(entry_id)) is not None]

    def get(self, entry_id: str) -> LoreEntry | None:
        """The whole entry ``entry_id``, or ``None`` when there is none."""
        row = self._db.execute(
            "SELECT rowid, id, title, tags, text, source FROM lore_entry WHERE id = ?",
            (entry_id,),
        ).fetchone()
        if row is None:
            return None
        kinds = {
            kind
            for (kind,) in self._db.execute(
                "SELECT kind FROM lore_known_by WHERE entry = ?", (row[0],)
            )
        }
        return LoreEntry(
            id=row[1],
            title=row[2],
            tags=tuple(row[3].split("\n")) if row[3] else (),
            text=row[4],
            known_by=frozenset(kinds) or None,
            source=Path(row[5]),
        )

    def close(self) -> None:
        """Close the database; the index stays in its file for the next :meth:`open`."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Lore:
    """The lore files read, parsed and hashed: what an index is built from."""

    entries: list[LoreEntry]
    digest: str
    errors: tuple[ContentError, ...]

    @classmethod
    def read(cls, content_roots: tuple[str | Path, ...]) -> _Lore:
        sources, errors = _read_sources(normalize_roots(content_roots))
        digest = _content_hash(sources)
        entries, parse_errors = _parse_sources(sources)
        return cls(entries, digest, tuple(errors + parse_errors))

    def bring_up_to_date(self, db: sqlite3.Connection) -> bool:
        """Rebuild the index in ``db`` (autocommit) unless it was built from this lore;
        True if it rebuilt."""
        db.execute("CREATE TABLE IF NOT EXISTS lore_meta (key TEXT PRIMARY KEY, value TEXT)")
        # IMMEDIATE takes the write lock before the hash is read: two processes opening
        # the same file cannot both decide to rebuild it.
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM lore_meta WHERE key = 'content_hash'").fetchone()
            rebuilt = row is None or row[0] != self.digest
            if rebuilt:
                _rebuild(db, self.entries, self.digest)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return rebuilt


def load_lore(*content_roots: str | Path) -> list[LoreEntry]:
    """Read and check every ``<root>/lore/*.toml`` of ``content_roots`` (later roots
    layered over earlier ones); return the entries in file order.

    Raises:
        FileNotFoundError: no content root has a ``lore`` folder.
        ContentError: (a ``ValueError``) the first file that does not load: not valid TOML
            or outside its content root; an entry lacks a field, has an unknown one or one
            of the wrong type; a ``known_by`` is not a list of lower_snake_case kinds; or
            an id repeats an entry's loaded before. It names the file and the field.
            :meth:`KnowledgeBase.open` leaves such a file out instead.
    """
    sources, errors = _read_sources(normalize_roots(content_roots))
    entries, parse_errors = _parse_sources(sources)
    errors += parse_errors
    if errors:
        raise errors[0]
    return entries


def _pick_snippet(snippets: tuple[str, ...]) -> str:
    text, title, tags = snippets
    if _MARK_OPEN in text or _MARK_OPEN not in title + tags:
        chosen = " ".join(text.split())  # one line, even across a paragraph break
    elif _MARK_OPEN in title:
        chosen = title
    else:
        chosen = tags.replace("\n", ", ")  # tags are stored one per line
    return chosen.replace(_MARK_OPEN, "[").replace(_MARK_CLOSE, "]")


def _read_sources(
    roots: tuple[Path, ...],
) -> tuple[list[tuple[Path, bytes]], list[ContentError]]:
    if not has_folder(roots, LORE_DIR):
        shown = ", ".join(str(root / LORE_DIR) for root in roots)
        raise FileNotFoundError(f"{shown}: no lore folder in the content root")
    sources = []
    errors = []
    for root, path in layered_files(roots, LORE_DIR).values():
        # Resolving first means a symlink cannot lead out of the content root.
        if not path.resolve().is_relative_to(root):
            errors.append(ContentError(path, f"lies outside the content root {root}"))
            continue
        try:
            sources.append((path, path.read_bytes()))
        except OSError as exc:
            errors.append(ContentError(path, f"cannot be read: {exc.strerror or exc}"))
    return sources, errors


def _content_hash(sources: list[tuple[Path, bytes]]) -> str:
    digest = hashlib.sha256(f"schema {_SCHEMA_VERSION}\n".encode())
    for path, data in sources:
        # The whole path: the same file name from another content root is other lore.
        name = str(path).encode()
        # Lengths first, so no two different file sets can hash the same bytes.
        digest.update(len(name).to_bytes(8, "little") + name)
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def _parse_sources(
    sources: list[tuple[Path, bytes]],
) -> tuple[list[LoreEntry], list[ContentError]]:
    entries: list[LoreEntry] = []
    errors: list[ContentError] = []
    first_seen: dict[str, Path] = {}
    for path, data in sources:
        try:
            parsed = _parse_file(path, data, first_seen)
        except ContentError as exc:
            errors.append(exc)
            continue
        for entry in parsed:
            first_seen[entry.id] = path
        entries.extend(parsed)
    return entries, errors


def _parse_file(path: Path, data: bytes, first_seen: dict[str, Path]) -> list[LoreEntry]:
    file = ContentFile.parse(path, data)
    file.top().allow_only({"entry"})
    entries: list[LoreEntry] = []
    ids: set[str] = set()
    for fields in file.tables("entry", article="an"):
        entry = _parse_entry(fields)
        earlier = first_seen.get(entry.id) or (path if entry.id in ids else None)
        if earlier is not None:
            raise fields.error("id", f"field 'id' repeats the id of an entry in {earlier}")
        ids.add(entry.id)
        entries.append(entry)
    return entries


def _parse_entry(fields: Fields) -> LoreEntry:
    fields.require("id", "title", "tags", "text")
    fields.allow_only(_ENTRY_FIELDS)
    entry_id = fields.identifier("id")
    title, text = fields.text("title"), fields.text("text")
    for field, value in (("title", title), ("text", text)):
        if _MARK_OPEN in value or _MARK_CLOSE in value:
            raise fields.error(field, f"field {field!r} holds a control character")
    tags = fields.names("tags", snake_case=False, what="a list of one-line strings")
    if not all(tag.strip() and "\n" not in tag for tag in tags):
        raise fields.invalid("tags", "a list of one-line strings", tags)
    known_by = fields.get("known_by")
    if known_by is not None:
        known_by = frozenset(
            fields.names(
                "known_by",
                non_empty=True,
                what="a non-empty list of NPC kinds (lower_snake_case)",
            )
        )
    return LoreEntry(
        id=entry_id,
        title=title.strip(),
        tags=tuple(tags),
        text=text.strip(),
        known_by=known_by,
        source=fields.file.path,
    )


def _rebuild(db: sqlite3.Connection, entries: list[LoreEntry], digest: str) -> None:
    # One statement at a time: executescript() would commit the open transaction first.
    for statement in _SCHEMA:
        db.execute(statement)
    for rowid, entry in enumerate(entries, start=1):
        db.execute(
            "INSERT INTO lore_entry (rowid, id, title, tags, text, source)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (rowid, entry.id, entry.title, "\n".join(entry.tags), entry.text, str(entry.source)),
        )
        db.executemany(
            "INSERT INTO lore_known_by (entry, kind) VALUES (?, ?)",
            [(rowid, kind) for kind in sorted(entry.known_by or ())],
        )
    db.execute("INSERT INTO lore_fts (lore_fts) VALUES ('rebuild')")
    db.execute(
        "INSERT OR REPLACE INTO lore_meta (key, value) VALUES ('content_hash', ?)", (digest,)
    )
