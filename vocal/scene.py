"""Scripted scenes: several NPCs speaking while they move around a listener.

A scene is a TOML file (see ``content/vocal/scenes/graveyard.toml``): the listener, the
environments by time, and NPCs each with an archetype, a shipped line id (``line``) or a
text to synthesise (``text``), a start time and a path of ``[t_s, x, y, z]`` waypoints.
:func:`render_scene` drives a real :class:`vocal.Engine` block by block, exactly as a game
would, and returns the stereo mix with a timeline of who spoke when and where.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vocal.content import archetypes, content_root, environments
from vocal.engine import Engine, EngineEvent
from vocal.tts import synthesize
from vocal.voice_lines import load_line, load_manifest

__all__ = ["Scene", "SceneNpc", "SceneRender", "load_scene", "render_scene"]

Waypoint = tuple[float, float, float, float]


@dataclass(frozen=True)
class SceneNpc:
    name: str
    archetype: str
    at_s: float
    path: list[Waypoint]
    line: str | None = None
    text: str | None = None
    priority: int = 0

    def position(self, t: float) -> tuple[float, float, float]:
        """Where the NPC is at scene time ``t`` (held at the ends of its path)."""
        times = [w[0] for w in self.path]
        return tuple(float(np.interp(t, times, [w[k] for w in self.path])) for k in (1, 2, 3))  # type: ignore[return-value]


@dataclass(frozen=True)
class Scene:
    title: str
    sample_rate: int
    block_size: int
    duration_s: float
    listener: tuple[float, float, float]
    forward: tuple[float, float, float]
    environments: list[tuple[float, str]]
    npcs: list[SceneNpc]
    source: str = ""


@dataclass
class SceneRender:
    audio: np.ndarray  # (samples, 2) float32
    sample_rate: int
    events: list[tuple[str, EngineEvent]] = field(default_factory=list)  # (npc name, event)
    tracks: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)  # t, x, y


class _Reader:
    """Validates one table; errors name the file and the field."""

    def __init__(self, source: str, where: str, table: Any) -> None:
        self.source, self.where = source, where
        if not isinstance(table, dict):
            self.fail("", "expected a table")
        self.table: dict[str, Any] = table

    def fail(self, name: str, problem: str) -> None:
        field_name = f"{self.where}.{name}" if self.where and name else (self.where or name)
        raise ValueError(f"{self.source}: {field_name or '(top level)'}: {problem}")

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if name not in self.table:
            if default is ...:
                self.fail(name, "is required")
            return default
        value = self.table[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            self.fail(name, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
        return value

    def vec3(self, name: str, default: Any = ...) -> tuple[float, float, float]:
        value = self.get(name, list, default)
        if len(value) != 3 or not all(isinstance(v, int | float) for v in value):
            self.fail(name, f"expected [x, y, z], got {value!r}")
        return (float(value[0]), float(value[1]), float(value[2]))


def load_scene(path: Path, root: Path | None = None) -> Scene:
    """Read and validate a scene file; ``ValueError`` names the file and the field. Its
    archetypes and environments must be those of the content root ``root`` (default: the
    shipped content)."""
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: (top level): not valid TOML: {exc}") from exc
    top = _Reader(source, "", data)
    listener = _Reader(source, "listener", top.get("listener", dict, {}))
    known_env = environments(root=root)
    envs = []
    for i, table in enumerate(top.get("environment", list, [])):
        r = _Reader(source, f"environment[{i}]", table)
        name = r.get("name", str)
        if name not in known_env:
            r.fail("name", f"unknown environment {name!r} (known: {', '.join(known_env)})")
        envs.append((float(r.get("at_s", (int, float))), name))
    known_arch = archetypes(root=root)
    npcs = []
    for i, table in enumerate(top.get("npc", list)):
        r = _Reader(source, f"npc[{i}]", table)
        archetype = r.get("archetype", str)
        if archetype not in known_arch:
            r.fail("archetype", f"unknown archetype {archetype!r} (known: {', '.join(known_arch)})")
        line, text = r.get("line", str, None), r.get("text", str, None)
        if (line is None) == (text is None):
            r.fail("line", "give exactly one of line (a shipped line id) or text")
        path_value = r.get("path", list)
        waypoints = []
        for k, w in enumerate(path_value):
            if (
                not isinstance(w, list)
                or len(w) != 4
                or not all(isinstance(v, int | float) for v in w)
            ):
                r.fail(f"path[{k}]", f"expected [t_s, x, y, z], got {w!r}")
            waypoints.append(tuple(float(v) for v in w))
        if not waypoints or any(b[0] < a[0] for a, b in itertools.pairwise(waypoints)):
            r.fail("path", "needs at least one waypoint, in time order")
        npcs.append(
            SceneNpc(
                name=r.get("name", str, f"npc {i}"),
                archetype=archetype,
                at_s=float(r.get("at_s", (int, float))),
                path=waypoints,  # type: ignore[arg-type]
                line=line,
                text=text,
                priority=int(r.get("priority", int, 0)),
            )
        )
    return Scene(
        title=top.get("title", str, Path(path).stem),
        sample_rate=int(top.get("sample_rate", int, 48_000)),
        block_size=int(top.get("block_size", int, 512)),
        duration_s=float(top.get("duration_s", (int, float))),
        listener=listener.vec3("position", (0.0, 0.0, 0.0)),
        forward=listener.vec3("forward", (0.0, 1.0, 0.0)),
        environments=sorted(envs),
        npcs=npcs,
        source=source,
    )


def _speech(npc: SceneNpc, lines: dict[str, Any]) -> tuple[np.ndarray, int]:
    if npc.line is not None:
        if npc.line not in lines:
            raise ValueError(f"{npc.name}: unknown line {npc.line!r}")
        line = lines[npc.line]
        return load_line(line), line.sample_rate
    assert npc.text is not None
    return synthesize(npc.text)


def render_scene(scene: Scene, *, seed: int = 0) -> SceneRender:
    """Drive an engine through the scene, block by block; deterministic for a seed."""
    engine = Engine(scene.sample_rate, scene.block_size, voices=32)
    engine.set_listener(scene.listener, scene.forward)
    lines = {line.id: line for line in load_manifest(content_root())}
    speech = {npc.name: _speech(npc, lines) for npc in scene.npcs}
    block_s = scene.block_size / scene.sample_rate
    blocks = int(np.ceil(scene.duration_s / block_s))
    pending_npcs = sorted(scene.npcs, key=lambda n: n.at_s)
    pending_envs = list(scene.environments)
    playing: dict[int, SceneNpc] = {}
    result = SceneRender(np.zeros((0, 2), np.float32), scene.sample_rate)
    chunks = []
    for b in range(blocks):
        t = b * block_s
        while pending_envs and pending_envs[0][0] <= t:
            engine.set_environment(pending_envs.pop(0)[1])
        while pending_npcs and pending_npcs[0].at_s <= t:
            npc = pending_npcs.pop(0)
            samples, rate = speech[npc.name]
            voice = engine.start(
                samples,
                npc.archetype,
                position=npc.position(t),
                priority=npc.priority,
                sample_rate=rate,
                seed=seed + len(playing) + b,
            )
            playing[voice] = npc
        for voice, npc in playing.items():
            x, y, z = npc.position(t)
            engine.set(voice, position=(x, y, z))
            result.tracks.setdefault(npc.name, []).append((t, x, y))
        chunks.append(engine.render(1))
        for event in engine.events():
            npc = playing.get(event.voice)
            if npc is not None:
                result.events.append((npc.name, event))
            if event.type in ("finished", "stolen", "rejected"):
                playing.pop(event.voice, None)
    result.audio = np.concatenate(chunks)
    return result
