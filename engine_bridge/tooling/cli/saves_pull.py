"""``aicore saves pull``: the newest cloud save of this game's key, into a profile's slots
(``docs/sync.md``, "Cloud saves"). On a fresh machine the profile is made the way the store
makes it; the pulled file is checked as a load checks it before it becomes a slot, and a
local slot holding another save is kept (the cloud's written beside it as
``<slot>-cloud``), both said. It takes the profile's lock: while a game has the profile
open, the game pulls (``aicore_saves_pull``).

Exit status: 0 the cloud's save is in a slot (printed), 1 nothing pulled (no such save,
offline, refused, not a sound save), 2 a usage error (no keys, a bad name).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from engine_bridge.store import FaultKind, Store, StoreError
from engine_bridge.store.paths import DEFAULT_PROFILE
from engine_bridge.sync.cloud_pull import (
    PullOutcome,
    PullResult,
    get_frame,
    install_pulled,
    pulled_from,
)
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.cloud_saves import MAX_SAVE_BYTES
from engine_bridge.sync.cloud_slot_state import CloudSlotState
from engine_bridge.sync.config import SyncConfig, SyncTuning
from engine_bridge.sync.keys import KeyFileError, KeyPair, load_key_pair, load_public_key

__all__ = ["add_pull_arguments", "run_pull"]

_DEFAULTS = SyncTuning()
_TIMEOUT_S = _DEFAULTS.request_timeout_s + MAX_SAVE_BYTES / _DEFAULTS.transfer_bytes_per_s


def add_pull_arguments(sub: argparse.ArgumentParser) -> None:
    """The options of ``aicore saves pull``."""
    sub.add_argument("--save-dir", type=Path, required=True, metavar="DIR", help="the save root")
    sub.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        help=f"the player profile (default: {DEFAULT_PROFILE})",
    )
    sub.add_argument(
        "--sync",
        required=True,
        metavar="ENDPOINT",
        help="the gateway (tcp://host:port; several, comma-separated: the first that answers)",
    )
    sub.add_argument(
        "--sync-keys",
        type=Path,
        required=True,
        metavar="DIR",
        help="the game's keys folder (gateway.key and this game's <name>.key_secret)",
    )
    sub.add_argument("--slot", help="the slot to pull (default: the newest save of any slot)")
    sub.add_argument(
        "--timeout",
        type=float,
        default=_TIMEOUT_S,
        metavar="SECONDS",
        help=f"how long to wait for the gateway (default: {_TIMEOUT_S:g})",
    )


def run_pull(args: argparse.Namespace) -> int:
    """Pull, and say what happened."""
    try:
        config = SyncConfig(args.sync, keys_dir=args.sync_keys)
        gateway_file, client_file = config.key_files()
        keys = load_key_pair(client_file)
        gateway_key = load_public_key(gateway_file)
    except ValueError as error:
        print(f"aicore saves pull: {error}")
        return 2
    except KeyFileError as error:
        print(f"aicore saves pull: {error.path}: {error.reason}")
        return 2
    try:
        store = Store.open(args.save_dir, args.profile)
    except StoreError as error:
        print(f"aicore saves pull: {error.fault}")
        if error.kind == FaultKind.IN_USE:
            print("  a game has this profile open: it pulls through aicore_saves_pull")
        return 2 if error.kind == FaultKind.BAD_PATH else 1
    try:
        with store:
            result = _pull(store, config, keys, gateway_key, args)
    except CloudSaveError as error:
        print(f"aicore saves pull: {error.code}: {error.reason}")
        return 1
    except StoreError as error:
        print(f"aicore saves pull: {error.fault}")
        return 2 if error.kind == FaultKind.BAD_PATH else 1
    _say(result)
    return 0


def _pull(
    store: Store, config: SyncConfig, keys: KeyPair, gateway_key: bytes, args: argparse.Namespace
) -> PullResult:
    # pyzmq is the sync extra's: imported when a pull is asked for, not with the CLI.
    import zmq

    from engine_bridge.sync.requester import GatewayRequester, NoAnswerError

    client = f"{keys.name}/{store.sync_stream.id}"
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    reasons = []
    try:
        # Several gateways (comma-separated) share one database: the first that answers.
        for endpoint in config.endpoints:
            requester = GatewayRequester(context, endpoint, keys, gateway_key)
            try:
                answer = requester.request(get_frame(client, args.slot), args.timeout)
                break
            except NoAnswerError as error:
                reasons.append(f"{endpoint}: {error.reason}")
            finally:
                requester.close()
        else:
            reason = "; ".join(reasons)
            raise CloudSaveError(CloudSaveRefusal.UNAVAILABLE, reason, args.slot)
    finally:
        context.destroy(linger=0)
    pulled = pulled_from(answer, args.slot)
    return install_pulled(store, CloudSlotState(store.paths.folder), pulled)


def _say(result: PullResult) -> None:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(result.info.saved_at or 0))
    print(
        f"cloud save {result.slot!r} {result.sha256[:12]} (saved {when}, uploaded by "
        f"{result.stream})"
    )
    if result.outcome is PullOutcome.NEW:
        print(f"  written as slot {result.info.slot!r}: {result.info.path}")
    elif result.outcome is PullOutcome.UNCHANGED:
        print(f"  slot {result.info.slot!r} is this save already: nothing written")
    elif result.outcome is PullOutcome.REPLACED:
        print(
            f"  slot {result.info.slot!r} replaced: the local save "
            f"{(result.local_sha256 or '')[:12]} was what it was made from (kept as the "
            "slot's previous save, and in the cloud)"
        )
    else:
        print(
            f"  the local slot {result.slot!r} holds another save "
            f"({(result.local_sha256 or '')[:12]}): kept as it is; the cloud's save is "
            f"written as slot {result.info.slot!r}: {result.info.path}"
        )
    if result.conflict_of is not None:
        print(
            f"  conflict: this save was uploaded over {result.conflict_of[:12]}, a save of "
            f"{result.slot!r} it was not made from (another machine's); both are kept in "
            "the cloud"
        )
