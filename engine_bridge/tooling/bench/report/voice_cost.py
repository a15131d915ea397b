"""Per-archetype voice cost: the figures of suite ``vocal`` whose name mentions an
archetype, grouped by benchmark (the name with the archetype taken out), one bar per
archetype.

Names differ between the suites (``BM_ArchetypeVoice/vampire/512`` from Google Benchmark,
``test_render_three_second_line[vampire]`` from pytest-benchmark), so an archetype is
found as a whole word in the name, in any case."""

from __future__ import annotations

import re
from collections import defaultdict

from engine_bridge.tooling.bench.report.embedded_media import image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import Section, Table, nothing_to_show
from engine_bridge.tooling.bench.result_set import Figure, ResultSet

__all__ = ["ARCHETYPES", "archetype_of", "voice_cost_groups", "voice_cost_section"]

ARCHETYPES: tuple[str, ...] = ("vampire", "zombie", "werewolf", "wraith", "ghoul")
"""The shipped monster voices (content/vocal/archetypes)."""

SUITE = "vocal"
_PATTERN = re.compile(r"(?<![a-z])(" + "|".join(ARCHETYPES) + r")(?![a-z])", re.IGNORECASE)
_MAX_PLOTS = 12  # past this the page grows long; the table still lists every group


def archetype_of(name: str) -> str | None:
    """The archetype a figure's name mentions (its first), or None."""
    found = _PATTERN.search(name)
    return found.group(1).lower() if found else None


def voice_cost_groups(run: ResultSet) -> dict[tuple[str, str], dict[str, Figure]]:
    """By (benchmark with the archetype replaced by ``*``, unit): each archetype's figure."""
    groups: dict[tuple[str, str], dict[str, Figure]] = defaultdict(dict)
    for figure in run.figures:
        if figure.suite != SUITE:
            continue
        archetype = archetype_of(figure.name)
        if archetype is None:
            continue
        family = _PATTERN.sub("*", figure.name, count=1)
        groups[(family, figure.unit)][archetype] = figure
    return dict(sorted(groups.items()))


def voice_cost_section(run: ResultSet) -> Section:
    """A table (benchmark x archetype) and a bar chart per benchmark."""
    groups = voice_cost_groups(run)
    if not groups:
        return Section(
            "voice-cost",
            "Voice cost per archetype",
            nothing_to_show(f"no figure of suite '{SUITE}' names an archetype."),
        )
    rows = []
    for (family, unit), by_archetype in groups.items():
        cells = [f"{by_archetype[a].value:.4g}" if a in by_archetype else "—" for a in ARCHETYPES]
        rows.append((family, unit, *cells))
    table = Table(("benchmark", "unit", *ARCHETYPES), rows)
    pictures = []
    for (family, unit), by_archetype in list(groups.items())[:_MAX_PLOTS]:
        names = [a for a in ARCHETYPES if a in by_archetype]
        figure = new_plot(7.0, 2.6)
        axes = figure.subplots()
        bars = axes.bar(names, [by_archetype[a].value for a in names], color="#7b2d26")
        axes.bar_label(bars, fmt="%.3g", fontsize=8)
        axes.set_title(family)
        axes.set_ylabel(unit)
        axes.grid(axis="y", alpha=0.3)
        pictures.append(image_html(figure, f"voice cost per archetype: {family}"))
    more = len(groups) - _MAX_PLOTS
    note = f"<p>{more} more benchmarks in the table only.</p>" if more > 0 else ""
    return Section(
        "voice-cost", "Voice cost per archetype", table.html() + "".join(pictures) + note
    )
