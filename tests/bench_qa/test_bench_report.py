"""``write_report``: the benchmark report of a real small run, opened in headless Chromium.

The run is measured here (tests/bench_qa/small_bench_run.py): real towns, real voices, a
second run with a deliberate 2x slowdown of the voices so the baseline table has a real
regression to flag. The page must render (a screenshot of the right size, not blank), with
no console error, every image decoded and every audio player loaded."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from headless_chromium import page_check, screenshot_pixels
from small_bench_run import ARCHETYPES, SIZES, compare, measure_run, targets_for

from engine_bridge.tooling.bench.report import write_report
from engine_bridge.tooling.bench.result_set import Machine, ResultSet


@pytest.fixture(scope="module")
def report(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    baseline = measure_run(repo)
    current = measure_run(repo, slower_voices=True)
    out = tmp_path_factory.mktemp("report")
    page = write_report(
        current,
        out,
        history=[baseline, current],
        changes=compare(baseline, current),
        targets=targets_for(current),
        repo=repo,
    )
    return page, page.read_text()


def _section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.DOTALL)
    assert found, f"no section {anchor}"
    return found.group(1)


def test_the_report_is_one_self_contained_file(report: tuple[Path, str]) -> None:
    page, html = report
    assert page.name == "index.html"
    assert list(page.parent.iterdir()) == [page]
    # Nothing fetched: every image and sound is inline.
    assert not re.search(r'(src|href)="(?!data:|#)', html)
    assert "http://" not in html
    assert "https://" not in html
    assert html.count("<img ") >= 5 + 1 + len(SIZES)


def test_every_section_shows_the_run(report: tuple[Path, str]) -> None:
    _, html = report
    summary = _section(html, "summary")
    assert Machine.this().cpu_model in summary
    assert "quick" in summary
    targets = _section(html, "targets")
    assert "docs/designers.md" in targets
    assert "not measured" in targets
    frames = _section(html, "frame-times")
    for npcs in SIZES:
        assert f"frame/town[{npcs}]" in frames
    assert "p99 ms" in frames
    cost = _section(html, "voice-cost")
    assert "render_line[*]" in cost
    assert "voice_over_biquad[*]" in cost
    for archetype in ARCHETYPES:
        assert archetype in cost
    scaling = _section(html, "scaling")
    assert "town[*]" in scaling
    assert "fitted exponent" in scaling
    baseline = _section(html, "baseline")
    # The deliberate 2x slowdown of the voices is a highlighted regression.
    assert re.search(r'<tr class="bad"><td>vocal/voice_over_biquad\[\w+\]', baseline)
    history = _section(html, "history")
    assert "history of vocal/voice_over_biquad[vampire]" in history
    voices = _section(html, "voices")
    lufs = [float(v) for v in re.findall(r"(-?\d+\.\d) LUFS</td>", voices)]
    assert len(lufs) == len(ARCHETYPES)
    # Set to the engine's level (-23 LUFS at 1 m) and heard in a room: near it, not silent.
    assert all(-40.0 < value < -10.0 for value in lufs), lufs
    assert voices.count("<audio ") == len(ARCHETYPES)
    soak = _section(html, "soak")
    assert "soak over time" in soak
    assert "rss_growth" in soak
    assert "Nothing to show" not in html


def test_the_report_renders_in_headless_chromium(report: tuple[Path, str], tmp_path: Path) -> None:
    page, html = report
    check = page_check(page, tmp_path)
    assert check.attributes.get("data-state") == "done", check.text
    assert check.number("errors") == 0, check.text
    assert check.console_lines == [], check.console_lines
    assert check.number("images") == html.count("<img ")
    assert check.number("images-decoded") == check.number("images")
    assert check.number("audio") == len(ARCHETYPES)
    assert check.number("audio-playable") == len(ARCHETYPES), check.text

    pixels = screenshot_pixels(page, tmp_path, 1280, 1600)
    assert pixels.shape[:2] == (1600, 1280)
    # Not blank: text, tables and plots make the pixels vary.
    assert float(np.var(pixels[..., :3])) > 0.005


def test_sections_with_nothing_to_show_say_so(repo: Path, tmp_path: Path) -> None:
    empty = ResultSet.begin(repo, [], quick=True)
    html = write_report(empty, tmp_path, repo=repo).read_text()
    for anchor in (
        "targets",
        "frame-times",
        "voice-cost",
        "scaling",
        "baseline",
        "history",
        "soak",
    ):
        assert "Nothing to show:" in _section(html, anchor), anchor
    assert "Problems: none." in _section(html, "summary")
