"""``aicore voice``: list, render, speak and play monster voices from the command line.

``aicore voice list`` names the archetypes and environments; ``render`` turns a WAV file
into an archetype's voice; ``say`` does the same to text spoken by a TTS backend (Flite
in-process by default, or espeak-ng); ``play`` sends a file to the sound card. Exit status:
0 done, 1 the machine lacks something (an audio device, espeak-ng), 2 a usage error
(unknown archetype, unreadable file, bad option) reported on one ``aicore voice: ...`` line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import numpy as np

    import vocal
    from vocal import _native

NAME = "voice"
HELP = "list, render, speak and play monster voices (archetypes heard in environments)"

_PREFIX = "aicore voice: "
_MAX_SEED = 2**64 - 1


class _UsageError(Exception):
    """A mistake in what the user asked for: reported on one line, exit status 2."""


class _MachineError(Exception):
    """The machine lacks something the command needs: reported on one line, exit status 1."""


class _OneLineParser(argparse.ArgumentParser):
    # argparse prints the usage and then the error; one prefixed line keeps every usage
    # error of `aicore voice` looking the same, and --help still shows the usage.
    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("aicore voice").strip()
        where = f"{command}: " if command else ""
        help_hint = f"`{self.prog} --help`"
        self.exit(2, f"{_PREFIX}{where}{message} (see {help_hint})\n")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if not 0 <= value <= _MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be within 0..2**64-1, got {value}")
    return value


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--archetype", "-a", required=True, help="the monster (see `aicore voice list`)"
    )
    strength = parser.add_mutually_exclusive_group()
    strength.add_argument(
        "--distance",
        type=float,
        metavar="M",
        help="listener distance in metres, mapped through the archetype's proximity curve",
    )
    strength.add_argument(
        "--intensity",
        type=float,
        metavar="X",
        help="0 (the dry voice) to 1 (the full monster); default 1",
    )
    parser.add_argument(
        "--environment",
        "-e",
        default="open",
        help="the room the voice is heard in (see `aicore voice list`; default: open)",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="random seed of the noise and modulation; the same seed gives the same file",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(
        dest="voice_command", metavar="VOICE_COMMAND", required=True, parser_class=_OneLineParser
    )

    listing = sub.add_parser("list", help="the archetypes and environments, with descriptions")
    listing.set_defaults(_voice_run=_run_list)

    render = sub.add_parser(
        "render",
        help="turn a speech WAV into an archetype's voice",
        description="Turn IN (mono speech; stereo is mixed down) into an archetype's "
        "voice heard in an environment, and write OUT as a float32 WAV.",
    )
    render.add_argument("input", type=Path, metavar="IN.wav", help="the dry speech")
    render.add_argument("output", type=Path, metavar="OUT.wav", help="where to write the voice")
    _add_render_options(render)
    render.add_argument(
        "--stems",
        type=Path,
        metavar="DIR",
        help="also write DIR/voice.wav, DIR/subliminal.wav and DIR/reverb.wav",
    )
    render.set_defaults(_voice_run=_run_render)

    say = sub.add_parser(
        "say",
        help="speak text (Flite or espeak-ng) as an archetype",
        description="Speak TEXT with a text-to-speech backend, render it as an archetype, "
        "write a WAV.",
    )
    say.add_argument("text", metavar="TEXT", help="what to say")
    say.add_argument(
        "--output", "-o", type=Path, required=True, metavar="OUT.wav", help="the WAV to write"
    )
    _add_render_options(say)
    say.add_argument(
        "--backend",
        default=None,
        help="text-to-speech backend, flite or espeak-ng (default: $AICORE_TTS_BACKEND, "
        "else flite)",
    )
    say.add_argument(
        "--voice",
        default=None,
        help="the backend's voice: flite rms/slt/awb/kal16/kal, espeak-ng en-gb+m3... "
        "(default: the backend's own)",
    )
    say.add_argument("--speed", type=int, default=150, help="words per minute (default: 150)")
    say.add_argument("--pitch", type=int, default=50, help="0-99, 50 is normal (default: 50)")
    say.set_defaults(_voice_run=_run_say)

    scene = sub.add_parser(
        "scene",
        help="render a scripted scene: several NPCs talking while moving around the listener",
    )
    scene.add_argument("scene", type=Path, metavar="SCENE.toml", help="the scene file")
    scene.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.wav")
    scene.add_argument(
        "--timeline", type=Path, metavar="OUT.png", help="also draw who spoke when, where"
    )
    scene.add_argument("--seed", type=_seed, default=0, help="noise seed (default 0)")
    scene.set_defaults(_voice_run=_run_scene)

    play = sub.add_parser("play", help="play a WAV on the default audio output device")
    play.add_argument("file", type=Path, metavar="FILE.wav", help="the file to play")
    play.set_defaults(_voice_run=_run_play)


def run(args: argparse.Namespace) -> int:
    try:
        args._voice_run(args)
    except _UsageError as exc:
        print(f"{_PREFIX}{exc}", file=sys.stderr)
        return 2
    except _MachineError as exc:
        print(f"{_PREFIX}{exc}", file=sys.stderr)
        return 1
    return 0


def _run_list(args: argparse.Namespace) -> None:
    del args
    import vocal
    from vocal.content import archetype_preset, environment_preset

    names = vocal.archetypes()
    width = max(len(n) for n in names)
    print("archetypes:")
    for name in names:
        print(f"  {name:<{width}}  {archetype_preset(name).description}")
    rooms = vocal.environments()
    width = max(len(n) for n in rooms)
    print("environments:")
    for name in rooms:
        print(f"  {name:<{width}}  {_environment_summary(environment_preset(name))}")


def _environment_summary(room: _native.EnvironmentPreset) -> str:
    if not room.reverb:
        return "dry: no reverb, no occlusion"
    summary = (
        f"decays in {room.decay_seconds:g} s (RT60), size {room.size:g}, "
        f"damping {room.damping:g}, pre-delay {room.pre_delay_ms:g} ms, "
        f"reverb at {room.wet_db:g} dB"
    )
    if room.occlusion_hz >= 19_000:  # docs/vocal.md: at or above 19 kHz means open
        return f"{summary}; no occlusion"
    return f"{summary}; occluded above {room.occlusion_hz:g} Hz"


def _check_presets(args: argparse.Namespace) -> None:
    """Name an unknown archetype or environment before any file is read or speech made."""
    from vocal.content import archetype_preset, environment_preset

    try:
        archetype_preset(args.archetype)
        environment_preset(args.environment)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None


def _render_stems(args: argparse.Namespace, dry: np.ndarray, rate: int) -> vocal.Stems:
    import vocal

    try:
        stems = vocal.render(
            dry,
            rate,
            args.archetype,
            intensity=args.intensity,
            distance=args.distance,
            environment=args.environment,
            stems=True,
            seed=args.seed,
        )
    except ValueError as exc:  # a sample rate, length or intensity vocal cannot take
        raise _UsageError(str(exc)) from None
    assert isinstance(stems, dict)
    return stems


def _intensity_used(args: argparse.Namespace) -> float:
    from vocal.content import archetype_preset

    if args.distance is not None:
        return float(archetype_preset(args.archetype).intensity_at_distance(args.distance))
    return 1.0 if args.intensity is None else float(args.intensity)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read ``path`` as float32 frames x channels; ``_UsageError`` when it cannot be."""
    import soundfile

    if not path.exists():
        raise _UsageError(f"{path}: no such file")
    if not path.is_file():
        raise _UsageError(f"{path}: not a file")
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except soundfile.SoundFileError as exc:
        detail = getattr(exc, "error_string", None) or str(exc)
        raise _UsageError(f"{path}: not a readable WAV file ({detail})") from None
    except OSError as exc:
        raise _UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if samples.shape[0] == 0:
        raise _UsageError(f"{path}: holds no audio")
    return samples, int(rate)


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    import soundfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _UsageError(f"{path.parent}: cannot make the folder: {exc.strerror or exc}") from None
    try:
        # Python opens the file so a failure names its cause (libsndfile says "System error").
        with path.open("wb") as file:
            # Float keeps the full monster (drive, growl, reverb build-up) without clipping.
            soundfile.write(file, samples, rate, subtype="FLOAT", format="WAV")
    except OSError as exc:
        raise _UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _summary(args: argparse.Namespace, wet_frames: int, rate: int) -> str:
    return (
        f"{args.archetype} at intensity {_intensity_used(args):.2f} in {args.environment}: "
        f"{wet_frames / rate:.2f} s at {rate} Hz -> {args.output}"
    )


def _run_render(args: argparse.Namespace) -> None:
    import numpy as np

    _check_presets(args)
    frames, rate = _read_wav(args.input)
    if frames.shape[1] > 1:
        print(
            f"{_PREFIX}note: {args.input} has {frames.shape[1]} channels; mixed down to mono",
            file=sys.stderr,
        )
    dry = np.ascontiguousarray(frames.mean(axis=1, dtype=np.float32))
    stems = _render_stems(args, dry, rate)
    # The same sum vocal.render returns without stems=True, so one render serves both.
    wet = stems["voice"] + stems["subliminal"] + stems["reverb"]
    _write_wav(args.output, wet, rate)
    if args.stems is not None:
        for name, samples in stems.items():
            _write_wav(args.stems / f"{name}.wav", samples, rate)
    line = _summary(args, wet.size, rate)
    if args.stems is not None:
        line += f" (stems in {args.stems})"
    print(line)


def _run_say(args: argparse.Namespace) -> None:
    import vocal

    _check_presets(args)
    try:
        wet, rate = vocal.speak(
            args.text,
            args.archetype,
            voice=args.voice,
            backend=args.backend,
            speed=args.speed,
            pitch=args.pitch,
            intensity=args.intensity,
            distance=args.distance,
            environment=args.environment,
            seed=args.seed,
        )
    except ValueError as exc:  # bad text, voice, speed, pitch, intensity or distance
        raise _UsageError(str(exc)) from None
    except (FileNotFoundError, RuntimeError) as exc:  # espeak-ng is missing, or synthesis failed
        raise _MachineError(str(exc)) from None
    assert not isinstance(wet, dict)
    _write_wav(args.output, wet, rate)
    print(_summary(args, wet.size, rate))


def _run_play(args: argparse.Namespace) -> None:
    import vocal
    from vocal.playback import output_device

    frames, rate = _read_wav(args.file)
    where = args.file.resolve()
    if output_device() is None:
        raise _MachineError(
            f"no audio output device on this machine (headless?); the file is at {where}"
        )
    samples = frames[:, 0] if frames.shape[1] == 1 else frames
    try:
        vocal.play(samples, rate)
    except Exception as exc:  # PortAudio reports a busy or vanished device generically
        raise _MachineError(f"cannot play {where}: {exc}") from None
    print(f"played {where} ({frames.shape[0] / rate:.2f} s) on {output_device()}")


def _run_scene(args: argparse.Namespace) -> None:
    from vocal.scene import load_scene, render_scene

    if not args.scene.is_file():
        raise _UsageError(f"{args.scene}: no such scene file")
    try:
        scene = load_scene(args.scene)
        result = render_scene(scene, seed=args.seed)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    _write_wav(args.output, result.audio, result.sample_rate)
    spoke = sum(1 for _, e in result.events if e.type == "started")
    print(
        f"{scene.title}: {spoke} lines by {len(scene.npcs)} NPCs, "
        f"{len(result.audio) / result.sample_rate:.1f} s stereo -> {args.output}"
    )
    if args.timeline is not None:
        from vocal.scene_plot import plot_scene

        plot_scene(scene, result, args.timeline)
        print(f"timeline -> {args.timeline}")
