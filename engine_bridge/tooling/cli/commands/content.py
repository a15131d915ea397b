"""``aicore content keygen|bundle|verify|install``: signed content bundles (docs/sync.md,
"Content push").

The publisher makes a key pair once (``keygen``), then signs a bundle of a content folder
for each release (``bundle``), offline: the gateway only serves the bundle files it is
given. ``verify`` checks a bundle as the game will (signature, manifest, paths, sizes,
hashes; with ``--content``, the game's content check over those roots too). ``install``
installs one into a save folder's content overlay by hand, as the game does when the
gateway pushes it. Exit status: 0 done, 1 the bundle or key was refused, 2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from engine_bridge.sync.content_errors import ContentPushError, disk_error
from engine_bridge.tooling.cli.argument_types import add_content_roots, positive_int

NAME = "content"
HELP = "make a publisher key, sign a content bundle, verify or install one"

_PREFIX = "aicore content: "


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    keygen = actions.add_parser("keygen", help="make a publisher's Ed25519 key pair")
    keygen.add_argument("name", help="the publisher's name: the files are NAME.ed25519(.pub)")
    keygen.add_argument("--dir", type=Path, default=Path(), help="where to write them")

    bundle = actions.add_parser("bundle", help="sign a content folder into one bundle file")
    bundle.add_argument("source", type=Path, metavar="SRC_CONTENT_DIR")
    bundle.add_argument("--key", type=Path, required=True, metavar="PRIVATE")
    bundle.add_argument("--version", type=positive_int, required=True, metavar="N")
    bundle.add_argument("--out", type=Path, required=True, metavar="BUNDLE_FILE")
    bundle.add_argument("--publisher", help="default: the key file's name")

    verify = actions.add_parser("verify", help="check a bundle as the game will")
    verify.add_argument("bundle", type=Path, metavar="BUNDLE")
    verify.add_argument("--publisher-key", type=Path, required=True, metavar="PUBLIC")
    verify.add_argument(
        "--check", action="store_true", help="also run the game's content check with it"
    )
    add_content_roots(verify, "the bundle is checked layered over them (with --check)")

    install = actions.add_parser("install", help="install a bundle into a save's overlay")
    install.add_argument("bundle", type=Path, metavar="BUNDLE")
    install.add_argument("--publisher-key", type=Path, required=True, metavar="PUBLIC")
    install.add_argument("--save", type=Path, required=True, metavar="DIR", help="the save root")
    add_content_roots(install, "the game's own content, checked with the bundle over it")


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "keygen":
            return _keygen(args.name, args.dir)
        if args.action == "bundle":
            return _bundle(args)
        data = _read(args.bundle)
        if data is None:
            return 2
        if args.action == "verify":
            return _verify(data, args)
        return _install(data, args)
    except ContentPushError as error:
        print(f"{_PREFIX}refused: {error}", file=sys.stderr)
        return 1


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as error:
        print(f"{_PREFIX}{path}: {error.strerror or error}", file=sys.stderr)
        return None


def _roots(args: argparse.Namespace) -> list[Path]:
    if args.content:
        return [root.resolve() for root in args.content]
    from vocal.content import content_root

    return [content_root()]


def _keygen(name: str, folder: Path) -> int:
    from engine_bridge.sync.content_signing import generate_key_pair

    private, public = generate_key_pair(name, folder)
    print(f"private key {private} (keep it secret, offline: it signs every bundle)")
    print(f"public key  {public} (ship it with the game: it verifies every bundle)")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from engine_bridge.sync.content_bundle import build_bundle, read_source
    from engine_bridge.sync.content_signing import PRIVATE_SUFFIX, load_private_key

    if not args.source.is_dir():
        print(f"{_PREFIX}{args.source}: no such content folder", file=sys.stderr)
        return 2
    key = load_private_key(args.key)
    publisher = args.publisher or args.key.name.removesuffix(PRIVATE_SUFFIX)
    files = read_source(args.source)
    data = build_bundle(files, key, version=args.version, publisher=publisher)
    # Written beside, then renamed: a bundle file is whole or absent, never half-written.
    out = args.out
    try:
        _write_whole(out, data)
    except OSError as error:
        raise disk_error(error, "write the bundle") from None
    print(f"{out}: {publisher} version {args.version}, {len(files)} files, {len(data)} bytes")
    return 0


def _write_whole(out: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _verify(data: bytes, args: argparse.Namespace) -> int:
    from engine_bridge.sync.content_bundle import open_bundle
    from engine_bridge.sync.content_signing import load_public_key

    opened = open_bundle(data, load_public_key(args.publisher_key))
    manifest = opened.manifest
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(manifest.created))
    print(f"publisher {manifest.publisher}, version {manifest.version}, created {when}")
    for entry in manifest.files:
        print(f"  {entry.size:>10}  {entry.sha256[:16]}  {entry.path}")
    print(f"signature good; {len(manifest.files)} files, {manifest.total_bytes} bytes, all match")
    if args.check:
        from engine_bridge.core.content_overlay import install_pushed_content

        # The check runs on a real install, into a scratch save folder thrown away after.
        with tempfile.TemporaryDirectory(prefix="aicore-content-") as scratch:
            install_pushed_content(
                data, args.publisher_key, base_roots=_roots(args), save_dir=Path(scratch)
            )
        print("content check: nothing the content without it does not have")
    return 0


def _install(data: bytes, args: argparse.Namespace) -> int:
    from engine_bridge.core.content_overlay import install_pushed_content

    result = install_pushed_content(
        data, args.publisher_key, base_roots=_roots(args), save_dir=args.save
    )
    was = f"version {result.previous_version}" if result.previous_version else "none"
    print(f"installed {result.publisher} version {result.version} in {result.root} (was {was})")
    print("the game reads it when it next starts")
    return 0
