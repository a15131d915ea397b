"""``aicore host``: run the headless engine ``aicore-host`` against this environment.

The host drives the runtime through the C ABI exactly as a game does (world sim, fixed
60 Hz step, audio thread) and prints a timing report. This command only fills in what the
environment knows — the Python to embed (``sys.base_prefix``), this virtual environment
(``sys.prefix``), the repository's content and NPC scripts — then streams the host's
output and returns its exit status (0 done, 1 the runtime failed, 2 a usage error: a bad
option, a folder that does not exist, a file that cannot be written, a kind no script
defines; the host checks these before any frame runs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from engine_bridge.core.frame import FRAME_RATE
from engine_bridge.tooling.cli.argument_types import add_content_roots, positive_int

NAME = "host"
HELP = "run the headless engine: NPCs, a fixed-step loop and the voice mix, with a timing report"

_PREFIX = "aicore host: "


def _repo_root() -> Path:
    import engine_bridge

    return Path(engine_bridge.__file__).resolve().parents[1]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _hour(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an hour of the day, got {text!r}") from None
    if not 0 <= value < 24:
        raise argparse.ArgumentTypeError(f"must be from 0 up to (not including) 24, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--npcs", type=positive_int, default=100, help="NPCs to spawn (default 100)"
    )
    parser.add_argument(
        "--frames",
        type=positive_int,
        default=600,
        help=f"{FRAME_RATE:g} Hz frames to run (default 600: {600 / FRAME_RATE:g} s)",
    )
    parser.add_argument(
        "--realtime",
        action="store_true",
        help=f"hold {FRAME_RATE:g} Hz on the wall clock (default: as fast as it goes)",
    )
    parser.add_argument(
        "--scripts",
        type=Path,
        action="append",
        metavar="DIR",
        help="an NPC script folder, repeatable (default: the repository's npc_scripts/)",
    )
    parser.add_argument(
        "--kinds",
        metavar="A,B,C",
        help="NPC script kinds spawned round-robin (default: townsfolk)",
    )
    parser.add_argument("--seed", type=int, help="world seed (default 1): same seed, same world")
    parser.add_argument(
        "--day-length",
        type=_seconds,
        metavar="SECONDS",
        help="game time a whole day and night lasts (default 1200); the light on the NPCs "
        "(custom channel 1) is 0 at midnight and 1 at noon",
    )
    parser.add_argument(
        "--time-of-day",
        type=_hour,
        metavar="HOURS",
        help="the hour the run starts at, 0 to 24 (default 18: dusk)",
    )
    parser.add_argument("--wav", type=Path, metavar="OUT.wav", help="write the voice mix")
    parser.add_argument(
        "--report", type=Path, metavar="OUT.json", help="write the timing report as JSON"
    )
    parser.add_argument(
        "--trace",
        type=Path,
        metavar="OUT.jsonl",
        help="write one JSON line per command the scripts gave (frame, NPC, kind, type, "
        "a say's text and voice): who did and said what",
    )
    parser.add_argument(
        "--debug", type=int, metavar="PORT", help="let a debugpy client attach on PORT"
    )
    parser.add_argument(
        "--save",
        type=Path,
        default=Path("aicore-save"),
        metavar="DIR",
        help="where the local save lives (default: ./aicore-save)",
    )
    parser.add_argument(
        "--save-every",
        type=_seconds,
        metavar="SECONDS",
        help="autosave (slot 'autosave') every SECONDS of game time",
    )
    parser.add_argument(
        "--load",
        metavar="SLOT",
        help="start from this save; if it cannot be loaded, say why and exit 1",
    )
    parser.add_argument(
        "--save-to",
        metavar="SLOT",
        help="save to this slot after the last frame; exit 1 if it fails",
    )
    parser.add_argument("--profile", metavar="NAME", help="the save profile (default 'default')")
    parser.add_argument(
        "--sync",
        metavar="ENDPOINT",
        help="send the profile's durable events to the cloud gateway at ENDPOINT "
        "(tcp://host:port; several gateways of one database: separated by commas) from a "
        "background thread; offline they wait in the outbox (needs --sync-keys; docs/sync.md)",
    )
    parser.add_argument(
        "--sync-keys",
        type=Path,
        metavar="DIR",
        help="the gateway's public key (gateway.key) and this game's key pair (<name>.key_secret)",
    )
    parser.add_argument(
        "--story-flag",
        action="append",
        metavar="NAME",
        help="after the last frame, print the story flag NAME's value and type "
        "(repeatable); a flag no story declares exits 1",
    )
    parser.add_argument(
        "--reload-at",
        type=int,
        metavar="FRAME",
        help="before frame FRAME, reload every script changed since it loaded, as UE's "
        "aicore.reload does; a broken one is reported and its old version runs on",
    )
    add_content_roots(parser, "the game's content")
    parser.add_argument(
        "--play", action="store_true", help="play the mix on the sound card (implies --realtime)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the final report")


def host_command(args: argparse.Namespace) -> list[str]:
    """The ``aicore-host`` command line these options stand for."""
    from engine_bridge.native.library import host_executable

    if args.content:
        content = list(args.content)
    else:
        from vocal.content import content_root

        content = [content_root()]
    scripts = args.scripts or [_repo_root() / "npc_scripts"]
    cmd = [
        str(host_executable()),
        "--npcs",
        str(args.npcs),
        "--frames",
        str(args.frames),
        "--python-home",
        sys.base_prefix,
        "--venv",
        sys.prefix,
        "--save",
        str(args.save),
    ]
    for folder in content:
        cmd += ["--content", str(folder)]
    for folder in scripts:
        cmd += ["--scripts", str(folder)]
    optional = {
        "--kinds": args.kinds,
        "--seed": args.seed,
        "--day-length": args.day_length,
        "--time-of-day": args.time_of_day,
        "--wav": args.wav,
        "--report": args.report,
        "--trace": args.trace,
        "--debug": args.debug,
        "--save-every": args.save_every,
        "--load": args.load,
        "--save-to": args.save_to,
        "--profile": args.profile,
        "--sync": args.sync,
        "--sync-keys": args.sync_keys,
        "--reload-at": args.reload_at,
    }
    for flag, value in optional.items():
        if value is not None:
            cmd += [flag, str(value)]
    for name in args.story_flag or ():
        cmd += ["--story-flag", name]
    for flag in ("realtime", "play", "quiet"):
        if getattr(args, flag):
            cmd.append(f"--{flag}")
    return cmd


def run(args: argparse.Namespace) -> int:
    cmd = host_command(args)
    if not Path(cmd[0]).exists():
        print(
            f"{_PREFIX}{cmd[0]}: not found (is the project installed? run `make demo`)",
            file=sys.stderr,
        )
        return 1
    # The host inherits stdout and stderr, so its progress and report stream as they come.
    with subprocess.Popen(cmd) as host:
        try:
            return host.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the host too: it stops at the next frame and writes its report.
            return host.wait()
