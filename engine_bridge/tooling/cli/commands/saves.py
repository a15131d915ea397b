"""``aicore saves list|show|verify|delete|pull``: a player's save slots, for people
(``pull``, a cloud save down: ``engine_bridge/tooling/cli/saves_pull.py``).

Reading commands (``list``, ``show``, ``verify``) never write to the save folder and work
while the game runs: ``show`` and ``verify`` check a private copy of the save (the same
checks a load makes: header, full integrity check, migration, every value decodes).
``delete`` takes the profile's lock, so it refuses while a game has the profile open.
Exit status: 0 when everything asked for is sound, 1 when a save is damaged or missing,
2 for a usage error (a bad slot or profile name, no such save folder).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from engine_bridge.store import FaultKind, SaveInfo, Store, StoreError
from engine_bridge.store.paths import DEFAULT_PROFILE, ProfilePaths
from engine_bridge.store.saves import copy_checked, find_saves
from engine_bridge.tooling.cli.saves_pull import add_pull_arguments, run_pull

NAME = "saves"
HELP = "list, show, verify, delete or pull (from the cloud) a player's save slots"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    helps = {
        "list": "every save of the profile, newest first, with its state",
        "show": "what one save holds (NPCs remembered, story progress)",
        "verify": "check saves as a load would (default: every save of the profile)",
        "delete": "delete a slot and the save it replaced (refused while a game runs)",
    }
    for action, text in helps.items():
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument(
            "--save-dir", type=Path, required=True, metavar="DIR", help="the save root"
        )
        sub.add_argument(
            "--profile",
            default=DEFAULT_PROFILE,
            help=f"the player profile (default: {DEFAULT_PROFILE})",
        )
        if action in ("show", "delete"):
            sub.add_argument("slot", help="the slot name")
        if action == "verify":
            sub.add_argument("slot", nargs="*", help="slot names (default: every save)")
        if action == "show":
            sub.add_argument(
                "--previous", action="store_true", help="the save this slot's last save replaced"
            )
    text = "the newest cloud save of this game's key into the profile's slots (docs/sync.md)"
    add_pull_arguments(actions.add_parser("pull", help=text, description=text))


def run(args: argparse.Namespace) -> int:
    if args.action == "pull":  # the profile may not exist yet: a fresh machine
        return run_pull(args)
    return _run_on_disk(args)


def _run_on_disk(args: argparse.Namespace) -> int:
    profile_folder = args.save_dir / args.profile
    if not profile_folder.is_dir():
        print(f"aicore saves: no profile {args.profile!r} under {args.save_dir}")
        return 2
    try:
        if args.action == "delete":
            return _delete(args.save_dir, args.profile, args.slot)
        paths = ProfilePaths.under(args.save_dir, args.profile)
        if args.action == "list":
            return _list(find_saves(paths))
        if args.action == "show":
            return _show(paths, args.slot, previous=args.previous)
        return _verify(paths, args.slot)
    except StoreError as error:
        print(f"aicore saves: {error.fault}")
        return 2 if error.kind == FaultKind.BAD_PATH else 1


def _when(info: SaveInfo) -> str:
    if info.saved_at is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.saved_at))


def _list(saves: Sequence[SaveInfo]) -> int:
    if not saves:
        print("no saves")
        return 0
    rows = [("slot", "generation", "saved at", "schema", "label", "state")]
    for info in saves:
        rows.append(
            (
                info.slot,
                "previous" if info.previous else "current",
                _when(info),
                "-" if info.schema_version is None else str(info.schema_version),
                info.label or "-",
                "sound" if info.problem is None else f"DAMAGED: {info.problem.reason}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0 if all(info.sound for info in saves) else 1


def _checked_copy(
    path: Path, operation: str
) -> tuple[sqlite3.Connection, tempfile.TemporaryDirectory[str]]:
    # The copy lives outside the save folder: a read-only or full save disk still verifies.
    scratch_dir = tempfile.TemporaryDirectory(prefix="aicore-saves-")
    try:
        conn = copy_checked(path, Path(scratch_dir.name) / "save.db", operation)
    except BaseException:
        scratch_dir.cleanup()
        raise
    return conn, scratch_dir


def _show(paths: ProfilePaths, slot: str, *, previous: bool) -> int:
    path = paths.slot(slot, previous=previous)
    if not path.exists():
        print(f"aicore saves: {path}: there is no save {slot!r}")
        return 1
    conn, scratch = _checked_copy(path, "show")
    try:
        saved_at, label = conn.execute("SELECT saved_at, label FROM save_info").fetchone()
        npcs, keys = conn.execute(
            "SELECT count(*), coalesce(sum(keys), 0) FROM npc_memory"
        ).fetchone()
        print(f"save {slot!r}{' (previous)' if previous else ''}: {path}")
        print(f"  saved at   {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(saved_at))}")
        print(f"  label      {label or '-'}")
        print(f"  memory     {npcs} NPCs remember {keys} things")
        stories = conn.execute("SELECT story, title FROM stories ORDER BY story").fetchall()
        for story, title in stories:
            flags = conn.execute(
                "SELECT count(*) FROM story_flags WHERE story = ?", (story,)
            ).fetchone()[0]
            beats = [
                beat
                for (beat,) in conn.execute(
                    "SELECT beat FROM story_beats WHERE story = ? ORDER BY position", (story,)
                )
            ]
            done = ", ".join(beats) if beats else "none yet"
            print(f"  story      {title} ({story}): {flags} flags; beats complete: {done}")
        if not stories:
            print("  story      no story progress")
    finally:
        conn.close()
        scratch.cleanup()
    return 0


def _verify(paths: ProfilePaths, slots: Sequence[str]) -> int:
    if slots:
        targets = [(slot, paths.slot(slot)) for slot in slots]
    else:
        targets = [
            (f"{info.slot}{' (previous)' if info.previous else ''}", info.path)
            for info in find_saves(paths)
        ]
    if not targets:
        print("no saves")
        return 0
    damaged = 0
    for name, path in targets:
        if not path.exists():
            print(f"MISSING  {name}: {path}")
            damaged += 1
            continue
        try:
            conn, scratch = _checked_copy(path, "verify")
        except StoreError as error:
            print(f"DAMAGED  {name}: {error.fault}")
            damaged += 1
            continue
        conn.close()
        scratch.cleanup()
        print(f"sound    {name}: {path}")
    return 1 if damaged else 0


def _delete(save_root: Path, profile: str, slot: str) -> int:
    with Store.open(save_root, profile) as store:
        existed = store.saves.delete(slot)
    if not existed:
        print(f"aicore saves: there is no save {slot!r}")
        return 1
    print(f"deleted {slot!r}")
    return 0
