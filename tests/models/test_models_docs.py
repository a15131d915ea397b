"""docs/models.md says what the code does: its features table is features.py's, its traits
table is the expert policy's, its noise rate is the policy's, and its table of the shipped
models is what their cards and files say."""

from __future__ import annotations

import re
from pathlib import Path

from engine_bridge.models.features import FEATURES
from engine_bridge.tooling.models.expert_policy import NOISE_RATE, TRAITS

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "models.md").read_text()


def _table_rows(header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header line starts with ``| header |``."""
    lines = DOC.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_features_table_is_features_py() -> None:
    rows = _table_rows("#")
    expected = [
        [str(i), f"`{f.name}`", f.meaning, f.scale, f"{f.neutral:g}"]
        for i, f in enumerate(FEATURES)
    ]
    assert rows == expected


def test_the_traits_table_is_the_expert_policys() -> None:
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    expected = [
        [
            name,
            f"{t.flee_below:g}",
            yes(t.shuns_light),
            yes(t.hunts),
            f"{t.attack_hunger:g}",
            f"{t.reach_m:g}",
            yes(t.talks),
            f"{t.memory_s:g}",
        ]
        for name, t in TRAITS.items()
    ]
    assert _table_rows("archetype") == expected


def test_the_noise_rate_is_the_policys() -> None:
    assert f"{NOISE_RATE:.0%}".replace("%", " %") in DOC
    assert "**noise-free** labels" in DOC


def test_the_shipped_models_table_is_what_their_cards_and_files_say() -> None:
    rows = {row[0].strip("`"): row for row in _table_rows("model | file size")}
    assert sorted(rows) == ["npc_action", "npc_mood"]
    for name, row in rows.items():
        size = (REPO / "content" / "models" / f"{name}.onnx").stat().st_size
        assert row[1] == f"{size:,} bytes".replace(",", " ")
        card = (REPO / "content" / "models" / f"{name}.card.md").read_text()
        macs = re.search(r"\| multiply-adds per NPC \| ([\d ]+) \|", card)
        assert macs is not None
        assert row[2] == macs.group(1)
        agreement = re.search(r"\*\*([\d.]+)%\*\* \|", card)
        assert agreement is not None
        assert row[4] == f"{agreement.group(1)} %"
