"""`aicore check` over a library of broken and valid scripts (tests/check_cases/): each
broken script is reported at its file and line with the problem's code, each valid one
passes. A broken case marks the line it expects a problem on with ``# expect: <code>``, or
its file with ``# expect-file: <code>`` when the problem has no line (the script ended the
process while loading, or the runtime never loads it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine_bridge.tooling.check import Problem, check

CASES = Path(__file__).resolve().parent / "check_cases"
HEADER = "from engine_bridge.api import Event, Npc\n\n\n"

# Encodings and line endings the runtime reads (it compiles the file's bytes): made here,
# byte for byte, so no editor or git setting can normalise them.
_WAVE = 'class Waver(Npc):\n    kind = "{kind}"\n\n    def on_tick(self, dt: float) -> None:\n'
ENCODED_VALID: dict[str, bytes] = {
    "latin1_with_cookie": (
        "# -*- coding: latin-1 -*-\n"
        + HEADER
        + _WAVE.format(kind="latin1_with_cookie")
        + '        self.say("Café? Très bien.")\n'
    ).encode("latin-1"),
    "utf8_with_bom": b"\xef\xbb\xbf"
    + (HEADER + _WAVE.format(kind="utf8_with_bom") + '        self.say("Ça va…")\n').encode(),
    "crlf_line_endings": (
        HEADER + _WAVE.format(kind="crlf_line_endings") + '        self.emote("wave")\n'
    )
    .replace("\n", "\r\n")
    .encode(),
    "tab_indented": (HEADER + _WAVE.format(kind="tab_indented") + '        self.emote("wave")\n')
    .replace("    ", "\t")
    .encode(),
}
_TYPO = "        self.mvoe_to(self.player_position)  # expect: unknown-attribute\n"
ENCODED_BROKEN: dict[str, bytes] = {
    "latin1_with_cookie_typo": (
        "# -*- coding: latin-1 -*-\n"
        + HEADER
        + _WAVE.format(kind="latin1_typo")
        + '        self.say("Déjà vu.")\n'
        + _TYPO
    ).encode("latin-1"),
    "utf8_with_bom_typo": b"\xef\xbb\xbf"
    + (HEADER + _WAVE.format(kind="bom_typo") + '        self.say("Ça va…")\n' + _TYPO).encode(),
    "crlf_line_endings_typo": (HEADER + _WAVE.format(kind="crlf_typo") + _TYPO)
    .replace("\n", "\r\n")
    .encode(),
    "tab_indented_typo": (HEADER + _WAVE.format(kind="tab_typo") + _TYPO)
    .replace("    ", "\t")
    .encode(),
}


def _cases(kind: str, encoded: dict[str, bytes]) -> list[str]:
    folder = CASES / kind
    found = [p.relative_to(folder).as_posix() for p in folder.rglob("*.py")]
    return sorted(found + [f"{name}.py" for name in encoded])


BROKEN = _cases("broken", ENCODED_BROKEN)
VALID = [c for c in _cases("valid", ENCODED_VALID) if not c.startswith("_")]


def _checked(tmp_path: Path, kind: str, encoded: dict[str, bytes], repo: Path) -> list[Problem]:
    folder = Path(shutil.copytree(CASES / kind, tmp_path / kind))
    for name, source in encoded.items():
        (folder / f"{name}.py").write_bytes(source)
    # Short: two cases hang on purpose, and the others need far less.
    return check([folder], repo / "content", timeout=3.0).problems


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    repo = CASES.parents[1]
    return _checked(tmp_path_factory.mktemp("cases"), "broken", ENCODED_BROKEN, repo)


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    repo = CASES.parents[1]
    return _checked(tmp_path_factory.mktemp("cases"), "valid", ENCODED_VALID, repo)


def _expected(source: bytes) -> set[tuple[int | None, str]]:
    expected: set[tuple[int | None, str]] = set()
    for number, raw in enumerate(source.split(b"\n"), 1):
        text = raw.decode("latin-1").rstrip("\r")
        if "# expect-file: " in text:
            expected.add((None, text.split("# expect-file: ")[1].strip()))
        elif "# expect: " in text:
            expected.add((number, text.split("# expect: ")[1].strip()))
    return expected


def _found(problems: list[Problem], case: str) -> set[tuple[int | None, str]]:
    return {(p.line, p.code) for p in problems if Path(p.path).as_posix().endswith("/" + case)}


def test_there_are_at_least_30_broken_and_10_valid_cases() -> None:
    assert len(BROKEN) >= 30
    assert len(VALID) >= 10


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_script_is_reported_at_its_line_with_its_code(
    broken: list[Problem], case: str
) -> None:
    name = case.removesuffix(".py")
    source = ENCODED_BROKEN.get(name) or (CASES / "broken" / case).read_bytes()
    expected = _expected(source)
    assert expected, f"{case} marks no expected problem"
    assert _found(broken, case) == expected


@pytest.mark.parametrize("case", VALID)
def test_a_valid_script_passes(valid: list[Problem], case: str) -> None:
    assert _found(valid, case) == set()


def test_the_valid_scripts_pass_as_a_whole(valid: list[Problem]) -> None:
    assert valid == []  # nothing reported outside the cases either: _drafts/, _helper.py
