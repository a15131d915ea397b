"""The data the models learn from and how well they learn it: the scenario generator and
the expert policy are deterministic for a seed, the rules say what docs/models.md says,
the noise is the documented rate, and the shipped models agree with the expert on
scenarios they never saw (recomputed here, not read from their cards)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from engine_bridge.models import features as F  # noqa: N812 (read as a formula)
from engine_bridge.models.features import ACTION_MODEL, MODELS, MOOD_MODEL
from engine_bridge.tooling.models import expert_policy, scenarios
from engine_bridge.tooling.models.evaluation import evaluate
from engine_bridge.tooling.models.training import TrainingSettings, train_model

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "content" / "models"


def test_the_generator_is_deterministic_for_a_seed_and_streams_differ() -> None:
    a = scenarios.generate(2000, seed=7)
    assert a.dtype == np.float32
    assert a.shape == (2000, F.N_FEATURES)
    np.testing.assert_array_equal(a, scenarios.generate(2000, seed=7))
    assert not np.array_equal(a, scenarios.generate(2000, seed=8))
    held_out = scenarios.generate(2000, seed=7, stream=scenarios.HELD_OUT_STREAM)
    assert not np.array_equal(a, held_out)
    # Every row is a valid feature row: one archetype, values in their documented ranges.
    first = F.column("archetype_broker")
    assert (a[:, first : first + len(F.ARCHETYPES)].sum(axis=1) == 1).all()
    bearing = a[:, [F.column("player_bearing_sin"), F.column("player_bearing_cos")]]
    np.testing.assert_allclose(np.hypot(bearing[:, 0], bearing[:, 1]), 1.0, atol=1e-6)
    rest = np.delete(a, [F.column("player_bearing_sin"), F.column("player_bearing_cos")], 1)
    assert rest.min() >= 0.0
    assert rest.max() <= 1.0
    assert (a[a[:, F.column("sees_player")] == 1, F.column("since_seen")] == 0).all()


def test_the_expert_labels_are_deterministic_and_use_every_class() -> None:
    rows = scenarios.generate(20_000, seed=1)
    for spec in (ACTION_MODEL, MOOD_MODEL):
        labels = expert_policy.labels_for(spec.name, rows)
        np.testing.assert_array_equal(labels, expert_policy.labels_for(spec.name, rows.copy()))
        share = np.bincount(labels, minlength=len(spec.classes)) / len(labels)
        assert (share > 0.03).all(), dict(zip(spec.classes, share, strict=True))


def _row(archetype: str, **values: float) -> np.ndarray:
    row = F.neutral_row()
    row[F.column(f"archetype_{archetype}")] = 1.0
    for name, value in values.items():
        row[F.column(name)] = value
    return row


def _decide(spec_name: str, row: np.ndarray) -> str:
    spec = MODELS[spec_name]
    return spec.classes[int(expert_policy.labels_for(spec_name, row[None, :])[0])]


NEAR = 3.0 / F.PLAYER_RANGE_M  # 3 m
TALKING = 5.0 / F.PLAYER_RANGE_M  # 5 m


@pytest.mark.parametrize(
    ("archetype", "values", "action"),
    [
        ("ghoul", {"health": 0.2}, "flee"),
        ("zombie", {"health": 0.01}, "idle"),  # zombies never run for their health
        ("vampire", {"light": 0.9}, "flee"),
        ("ghoul", {"hunger": 0.9, "player_distance": NEAR, "sees_player": 1, "since_seen": 0},
         "attack"),
        ("ghoul", {"hunger": 0.9, "player_distance": NEAR, "sees_player": 1, "since_seen": 0,
                   "flag_ghoul_fed": 1}, "idle"),
        ("werewolf", {"hunger": 0.0, "player_distance": NEAR, "sees_player": 1, "allies": 0.25},
         "attack"),  # the pack attacks at any hunger
        ("werewolf", {"hunger": 0.0, "player_distance": NEAR, "sees_player": 1, "since_seen": 0},
         "stalk"),
        ("zombie", {"since_seen": 5 / 60, "player_distance": 0.5}, "stalk"),
        ("zombie", {"since_seen": 1.0, "hunger": 0.7}, "wander"),
        ("human", {"player_distance": TALKING, "sees_player": 1, "since_seen": 0}, "speak"),
        ("human", {"player_distance": TALKING, "sees_player": 1, "flag_met_broker": 1}, "idle"),
        ("human", {"player_distance": TALKING, "sees_player": 1, "flag_met_broker": 1,
                   "flag_town_knows": 1}, "speak"),
        ("broker", {"flag_has_ledger": 1, "since_seen": 10 / 60, "player_distance": 0.5},
         "stalk"),
        ("human", {"light": 0.8}, "wander"),
        ("wraith", {"player_distance": TALKING, "sees_player": 1, "light": 0.2}, "speak"),
    ],
)  # fmt: skip
def test_the_action_rules_are_the_documented_ones(
    archetype: str, values: dict[str, float], action: str
) -> None:
    assert _decide(ACTION_MODEL.name, _row(archetype, **values)) == action


@pytest.mark.parametrize(
    ("archetype", "values", "mood"),
    [
        ("human", {"health": 0.3}, "afraid"),
        ("ghoul", {"health": 0.5, "sees_player": 1}, "angry"),
        ("werewolf", {"flag_met_broker": 1}, "angry"),
        ("broker", {"flag_has_ledger": 1}, "angry"),
        ("zombie", {"hunger": 0.7}, "hungry"),
        ("ghoul", {"hunger": 0.7, "flag_ghoul_fed": 1}, "calm"),
        ("human", {"hunger": 0.9, "since_seen": 10 / 60}, "wary"),
        ("vampire", {}, "calm"),
    ],
)
def test_the_mood_rules_are_the_documented_ones(
    archetype: str, values: dict[str, float], mood: str
) -> None:
    assert _decide(MOOD_MODEL.name, _row(archetype, **values)) == mood


def test_label_noise_flips_the_documented_share_always_to_another_class() -> None:
    labels = np.random.default_rng(0).integers(0, 6, 200_000)
    noisy = expert_policy.add_noise(labels, 6, np.random.default_rng(1))
    flipped = noisy != labels
    assert abs(flipped.mean() - expert_policy.NOISE_RATE) < 0.003
    again = expert_policy.add_noise(labels, 6, np.random.default_rng(1))
    np.testing.assert_array_equal(noisy, again)
    # Each wrong class is about as likely as the others.
    wrong = (noisy[flipped] - labels[flipped]) % 6
    counts = np.bincount(wrong, minlength=6)
    assert counts[0] == 0
    assert counts[1:].min() > 0.8 * counts[1:].max()


def _card_agreement(name: str) -> float:
    card = (SHIPPED / f"{name}.card.md").read_text()
    pattern = r"held-out agreement with the expert policy\*\* .*?\| \*\*([\d.]+)%\*\*"
    found = re.search(pattern, card)
    assert found, f"{name}.card.md reports no held-out agreement"
    return float(found.group(1)) / 100


@pytest.mark.parametrize("name", ["npc_action", "npc_mood"])
def test_the_shipped_models_agree_with_the_expert_on_fresh_scenarios(name: str) -> None:
    # Scenarios from a seed the trainer never used: the honest check of the card's figure.
    rows = scenarios.generate(20_000, seed=20_240_611, stream=scenarios.HELD_OUT_STREAM)
    evaluation = evaluate((SHIPPED / f"{name}.onnx").read_bytes(), MODELS[name], rows)
    assert evaluation.agreement >= 0.95, evaluation
    card = _card_agreement(name)
    assert card >= 0.95
    assert abs(evaluation.agreement - card) < 0.01  # the card tells the truth


def test_a_small_training_run_learns_and_repeats_its_bytes() -> None:
    settings = TrainingSettings(seed=11, samples=4000, epochs=25)
    first = train_model(ACTION_MODEL, 0, settings)
    second = train_model(ACTION_MODEL, 0, settings)
    assert first.onnx == second.onnx
    assert first.layers == (F.N_FEATURES, 32, 16, 6)
    assert first.macs_per_npc == 22 * 32 + 32 * 16 + 16 * 6
    assert first.evaluation.samples == 5000
    # Far from the shipped figure on so little data, but well past chance (1 in 6).
    assert first.evaluation.agreement > 0.6
    other_seed = train_model(ACTION_MODEL, 0, TrainingSettings(seed=12, samples=4000, epochs=25))
    assert other_seed.onnx != first.onnx
