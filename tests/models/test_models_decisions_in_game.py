"""``self.decision`` in the game: it reaches ``on_tick``, the handler may override it, the
sandbox shows both, and a model that is missing, corrupt, unknown or cannot run leaves
``None`` behind, one problem of system "models", and a game that goes on."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run_python

from engine_bridge.api import Decision, Npc
from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "npc_scripts"


def _action(decision: Decision | None) -> str | None:
    return None if decision is None else decision.action


class Biter(Npc):
    """A zombie (its archetype a feature) that notes every decision its on_tick reads."""

    kind = "zombie"
    model = ("npc_action", "npc_mood")
    decision_rate = 60.0

    def on_spawn(self) -> None:
        self.read: list[tuple[float, Decision | None, Decision | None]] = []

    def on_tick(self, dt: float) -> None:
        self.read.append((self.now, self.decision, self.decision_of("npc_mood")))
        if self.decision is not None and self.decision.action == "attack":
            self.attack("player")


class Coward(Biter):
    """Overrides the advice: told to attack, it runs."""

    def on_tick(self, dt: float) -> None:
        if self.decision is not None and self.decision.action == "attack":
            self.flee_from(self.player_position, speed=5.0)
        else:
            self.emote("shuffle")


class Lantern(Npc):
    kind = "lantern"  # asks no model

    def on_spawn(self) -> None:
        self.read: list[Decision | None] = []

    def on_tick(self, dt: float) -> None:
        self.read.append(self.decision)


def test_the_decision_reaches_on_tick_decided_this_frame() -> None:
    box = Sandbox(Biter)
    try:
        far = box.spawn("zombie", at=(0.0, 25.0, 0.0))  # unseen, far: no attack
        box.step(3)
        biter = box.npc(far)
        assert [d.action for _, d, _ in biter.read if d is not None] == ["idle"] * 3
        box.world.position[far] = (0.0, 1.0, 0.0)  # now beside a player it sees
        box.player_at(0.0, 0.0, seen_by=[far])
        commands = box.step(1)
        _, decision, mood = biter.read[-1]
        assert decision is not None
        assert mood is not None
        assert decision.action == "attack"  # decided for this frame's world, before on_tick
        assert decision.model == "npc_action"
        assert decision.probability("attack") == decision.confidence > 0.5
        assert sum(decision.probabilities) == pytest.approx(1.0, abs=1e-5)
        assert mood.model == "npc_mood"
        assert mood.action in mood.classes
        assert {"type": "attack", "npc": far, "target": "player"} in [
            {k: c[k] for k in ("type", "npc", "target")} for c in commands if c["type"] == "attack"
        ]
        # What on_tick read each frame is what the sandbox logged for that frame.
        logged = box.decisions(far)
        assert [t.decision for t in logged] == [d for _, d, _ in biter.read]
        assert box.runtime.problems() == []
    finally:
        box.close()


def test_a_handler_overrides_the_advice_and_the_sandbox_shows_both() -> None:
    box = Sandbox(Coward)
    try:
        slot = box.spawn("zombie", at=(0.0, 1.0, 0.0))
        box.player_at(0.0, 0.0, seen_by=[slot])
        box.step(2)
        turns = box.decisions(slot)
        assert len(turns) == 2
        for turn in turns:
            assert _action(turn.decision) == "attack"
            assert [c["type"] for c in turn.commands] == ["flee"]  # what the script did
        assert not [c for c in box.commands if c["type"] == "attack"]
    finally:
        box.close()


def test_a_kind_without_a_model_has_no_decision() -> None:
    box = Sandbox(Lantern, Biter)
    try:
        lantern = box.spawn("lantern")
        box.spawn("zombie", at=(3.0, 0.0, 0.0))  # a kind with models beside it
        box.step(40)
        npc = box.npc(lantern)
        assert npc.read
        assert all(d is None for d in npc.read)
        assert npc.decision_of("npc_action") is None
        assert box.decisions(lantern) == []
    finally:
        box.close()


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    """A content root over the shipped one, with its own copy of the models."""
    shutil.copytree(REPO / "content" / "models", tmp_path / "layer" / "models")
    return tmp_path / "layer"


def _corrupt(layer: Path) -> None:
    path = layer / "models" / "npc_action.onnx"
    path.write_bytes(path.read_bytes()[:100] + b"\x00" * 50)


def _missing(layer: Path) -> None:
    (layer / "models" / "npc_action.onnx").unlink()


@pytest.mark.parametrize(("breakage", "field"), [(_missing, "file"), (_corrupt, "sha256")])
def test_a_broken_model_leaves_the_shipped_scripts_to_their_defaults(
    layer: Path, breakage: object, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    breakage(layer)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING, logger="aicore.models"):
        box = Sandbox(script_dirs=[SCRIPTS], content_roots=[layer])
    try:
        horde = [box.spawn("zombie", at=(float(i), 8.0, 0.0)) for i in range(20)]
        wolf = box.spawn("werewolf", at=(0.0, 20.0, 0.0))
        box.player_at(0.0, 0.0, seen_by=[*horde[:5], wolf])
        commands = box.step(120)
        [problem] = [p for p in box.runtime.problems() if p[0] == "models"]
        _, file, _line, at_field, reason = problem
        assert file == str(layer / "models" / "npc_action.onnx")
        assert at_field == field
        assert "npc_action" in reason
        logged = [r for r in caplog.records if "npc_action" in r.getMessage()]
        assert len(logged) == 1  # logged once
        # No advice: the zombies that see the player chase it, as the script always did.
        assert box.npc(horde[0]).decision is None
        assert box.decisions(horde[0])[0].decision is None  # the sandbox shows it
        chasing = [c for c in commands if c["type"] == "move_to" and c["npc"] in horde[:5]]
        assert chasing
        assert all(c["target"] == [0.0, 0.0, 0.0] for c in chasing)
        assert {c["npc"] for c in commands if c["type"] == "move_to"} >= set(horde)
        # The mood model is still on: the werewolf feels, but acts on its own rules.
        assert box.npc(wolf).decision is None
        assert box.npc(wolf).decision_of("npc_mood") is not None
        assert box.runtime.script_errors == 0
        assert box.runtime.scheduler.frame == 120  # the game went on
    finally:
        box.close()


class Gossip(Npc):
    kind = "gossip"
    model = "npc_gossip"  # no manifest lists it

    def on_tick(self, dt: float) -> None:
        self.emote("whisper")


def test_a_model_no_manifest_lists_is_reported_and_its_kind_runs() -> None:
    box = Sandbox(Gossip)
    try:
        slot = box.spawn("gossip")
        commands = box.step(30)
        assert box.npc(slot).decision is None
        assert [c["type"] for c in commands] == ["emote"]
        [(system, _file, _line, field, reason)] = box.runtime.problems()
        assert (system, field) == ("models", "name")
        assert "npc_gossip" in reason
    finally:
        box.close()


class Muddled(Npc):
    kind = "muddled"
    model = 7  # type: ignore[assignment]  # neither a name nor names

    def on_tick(self, dt: float) -> None:
        self.emote("shrug" if self.decision is None else "nod")


def test_a_model_attribute_that_names_nothing_is_reported_and_the_kind_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="aicore.scheduler"):
        box = Sandbox(Muddled)
    try:
        box.spawn("muddled")
        assert [c["emote"] for c in box.step(30)] == ["shrug"]
        assert any("Muddled.model must be" in r.getMessage() for r in caplog.records)
        assert box.runtime.script_errors == 0
    finally:
        box.close()


def test_without_onnxruntime_every_model_is_off_and_the_game_runs() -> None:
    """The ``models`` extra not installed (onnxruntime cannot be imported): each model is a
    problem naming the extra, the shipped scripts run on their defaults."""
    code = f"""
import sys
sys.modules["onnxruntime"] = None  # as if the extra were not installed
from engine_bridge.sandbox import Sandbox
box = Sandbox(script_dirs=[{str(SCRIPTS)!r}])
z = box.spawn("zombie", at=(0.0, 5.0, 0.0))
box.player_at(0.0, 0.0, seen_by=[z])
commands = box.step(90)
problems = [p for p in box.runtime.problems() if p[0] == "models"]
print(len(problems), all("aicore[models]" in p[4] for p in problems))
print(box.npc(z).decision, box.runtime.script_errors, box.runtime.scheduler.frame)
print(sum(c["type"] == "move_to" and c["target"] == [0.0, 0.0, 0.0] for c in commands))
box.close()
"""
    result = run_python(code, timeout=180)
    assert result.returncode == 0, result.stderr
    counted, decision, chased = result.stdout.splitlines()
    assert counted == "2 True"  # both shipped models
    assert decision == "None 0 90"
    assert int(chased) >= 1


@pytest.fixture
def shipped() -> Iterator[Sandbox]:
    box = Sandbox(script_dirs=[SCRIPTS], capacity=128)
    yield box
    box.close()


def test_the_shipped_scripts_run_with_both_models_on(shipped: Sandbox) -> None:
    kinds = ("zombie", "werewolf", "townsfolk", "vampire", "ghoul", "wraith", "aethelred")
    slots = [shipped.spawn(k, at=(float(3 * i), 6.0, 0.0)) for i, k in enumerate(kinds)]
    shipped.player_at(6.0, 0.0, seen_by=slots)
    shipped.step(120)
    assert shipped.runtime.problems() == []
    assert shipped.runtime.script_errors == 0
    asking = {"zombie", "werewolf", "townsfolk"}
    for kind, slot in zip(kinds, slots, strict=True):
        decision = shipped.npc(slot).decision
        assert (decision is not None) == (kind in asking), kind
        assert bool(shipped.decisions(slot)) == (kind in asking)
    assert shipped.runtime.decisions.frames > 0


def test_a_new_kind_is_seen_as_its_voice_archetype_and_a_shipped_kind_as_its_own() -> None:
    from engine_bridge.models.features import ARCHETYPES

    class Ghast(Npc):
        kind = "ghast"
        archetype = "ghoul"  # a voice that is also a behaviour archetype
        model = "npc_action"

    class Shade(Npc):
        kind = "shade"  # no voice: no archetype
        model = "npc_action"

    class Broker(Npc):
        kind = "aethelred"
        archetype = "ghoul"  # his voice; he decides as the broker (KIND_ARCHETYPES)
        model = "npc_action"

    box = Sandbox(Ghast, Shade, Broker)
    try:
        slots = [box.spawn(kind) for kind in ("ghast", "shade", "aethelred")]
        box.step(1)
        seen_as = box.runtime.decisions.context.archetype_ids[slots].tolist()
        assert seen_as == [ARCHETYPES.index("ghoul"), -1, ARCHETYPES.index("broker")]
    finally:
        box.close()


def test_a_reloaded_kind_that_starts_or_stops_asking_a_model() -> None:
    """A script edited to name a model (hot reload registers the new class over the live
    NPCs): they are advised from their next turn; edited back, they are not."""

    class Plain(Npc):
        kind = "zombie"
        decision_rate = 10.0

    class Advised(Plain):
        model = "npc_action"

    box = Sandbox(Plain)
    try:
        slot = box.spawn("zombie", at=(0.0, 1.0, 0.0))
        box.player_at(0.0, 0.0, seen_by=[slot])
        box.step(12)
        assert box.npc(slot).decision is None
        box.runtime.scheduler.register(Advised)
        box.step(12)
        assert _action(box.npc(slot).decision) == "attack"
        assert box.runtime.decisions.board.of(slot, "npc_action") is not None
        box.runtime.scheduler.register(Plain)
        assert box.runtime.decisions.board.of(slot, "npc_action") is None  # cleared
        box.step(12)
        assert box.npc(slot).decision is None
        assert box.runtime.decisions.board.of(slot, "npc_action") is None  # not decided
    finally:
        box.close()


def test_a_game_whose_kinds_ask_no_model_never_imports_onnxruntime() -> None:
    code = """
import sys
from engine_bridge.api import Npc
from engine_bridge.sandbox import Sandbox

class Lantern(Npc):
    kind = "lantern"

box = Sandbox(Lantern)
box.spawn("lantern")
box.step(5)
print("onnxruntime" in sys.modules, box.runtime.problems())
box.close()
"""
    result = run_python(code, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False []"
