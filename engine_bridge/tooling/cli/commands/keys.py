"""``aicore keys new|allow|revoke|list``: the CURVE keys of cloud sync (``docs/sync.md``,
"Keys").

``new NAME --dir DIR`` writes a key pair; ``allow CERT --keys DIR`` puts a client's public
certificate on a gateway's allow-list; ``revoke NAME --keys DIR`` takes it off (a running
gateway applies both on ``admin.reload_keys`` or SIGHUP); ``list --keys DIR`` shows the
allow-list as a gateway reads it. Exit status: 0 done, 1 refused (the reason is printed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine_bridge.sync.keys_folder import (
    KeyFolderError,
    allow_key,
    load_allow_list,
    new_key_pair,
    revoke_key,
)

NAME = "keys"
HELP = "make, allow, revoke and list the CURVE keys of cloud sync"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="write a key pair NAME.key and NAME.key_secret")
    new.add_argument("name", help="the key name (the gateway's own pair is 'gateway')")
    new.add_argument("--dir", type=Path, required=True, metavar="DIR", help="where to write it")
    allow = actions.add_parser("allow", help="put a client's public certificate on the allow-list")
    allow.add_argument("certificate", type=Path, help="the client's NAME.key")
    allow.add_argument(
        "--keys", type=Path, required=True, metavar="DIR", help="the gateway's keys folder"
    )
    revoke = actions.add_parser("revoke", help="take a key off the allow-list")
    revoke.add_argument("name", help="the key name")
    revoke.add_argument(
        "--keys", type=Path, required=True, metavar="DIR", help="the gateway's keys folder"
    )
    listing = actions.add_parser("list", help="the allow-list as a gateway reads it")
    listing.add_argument(
        "--keys", type=Path, required=True, metavar="DIR", help="the gateway's keys folder"
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "new":
            public, secret = new_key_pair(args.name, args.dir)
            print(f"wrote {public} (public: give it to the other side)")
            print(f"wrote {secret} (secret: keep it here, never copy it)")
        elif args.action == "allow":
            print(f"allowed {allow_key(args.certificate, args.keys)}")
        elif args.action == "revoke":
            print(f"revoked {revoke_key(args.name, args.keys)}")
        else:
            return _list(args.keys)
    except KeyFolderError as error:
        print(f"aicore keys: {error}")
        return 1
    return 0


def _list(keys_dir: Path) -> int:
    allowed = load_allow_list(keys_dir)
    for key, name in sorted(allowed.names_by_key.items(), key=lambda item: item[1]):
        print(f"{name}  {key.decode('ascii')}")
    if not allowed.names_by_key:
        print("no key is allowed")
    for problem in allowed.problems:
        print(f"LEFT OUT  {problem}")
    return 1 if allowed.problems else 0
