"""The page ``aicore demo`` ends with: the run it just did, from the facts its steps
recorded (:class:`~engine_bridge.tooling.demo.demo_record.DemoRecord`), never from their
printed text: the steps over time, each world's timeline, who said what in which voice
(with the demo's renders to play), the story beats reached and the events synced."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import soundfile

from engine_bridge.tooling.bench.report.embedded_media import audio_html, image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import (
    Section,
    Table,
    escape,
    nothing_to_show,
    write_page,
)
from engine_bridge.tooling.demo.demo_record import DemoRecord, SpokenLine, WorldEvent

__all__ = ["write_demo_report"]

_MAX_PLAYERS = 40  # each player carries its WAV: past this the page grows heavy


def _when(clock: str, at: float) -> str:
    return f"{at:.2f} s" if clock == "second" else f"{clock} {at:g}"


def _steps_section(record: DemoRecord) -> Section:
    if not record.steps:
        return Section("steps", "The demo's steps", nothing_to_show("no step ran."))
    table = Table(
        ("step", "started at", "took", "summary"),
        [
            (s.title, f"{s.started_s:.1f} s", f"{s.seconds:.1f} s", s.lines[0] if s.lines else "")
            for s in record.steps
        ],
    )
    figure = new_plot(10.0, 0.45 * len(record.steps) + 1.2)
    axes = figure.subplots()
    titles = [s.title for s in record.steps]
    axes.barh(
        range(len(titles)),
        [s.seconds for s in record.steps],
        left=[s.started_s for s in record.steps],
        color="#1f4e79",
    )
    axes.set_yticks(range(len(titles)), titles, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the demo began")
    axes.grid(axis="x", alpha=0.3)
    return Section(
        "steps",
        "The demo's steps",
        table.html() + image_html(figure, "the demo's steps over time"),
    )


def _timeline_plot(step: str, events: list[WorldEvent], spoken: list[SpokenLine]) -> str:
    rows = sorted({e.who or "the world" for e in events} | {s.speaker for s in spoken})
    row_of = {who: i for i, who in enumerate(rows)}
    figure = new_plot(10.0, 0.35 * len(rows) + 1.6)
    axes = figure.subplots()
    axes.scatter(
        [e.at for e in events],
        [row_of[e.who or "the world"] for e in events],
        marker="|",
        s=200,
        color="#1f4e79",
        label="event",
    )
    beats = [e for e in events if e.what.startswith("beat: ")]
    for beat in beats:
        axes.axvline(beat.at, color="#c05000", alpha=0.25, linewidth=1)
    if spoken:
        axes.scatter(
            [s.at for s in spoken],
            [row_of[s.speaker] for s in spoken],
            marker="o",
            s=30,
            color="#7b2d26",
            label="line spoken",
        )
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_xlabel(f"{events[0].clock if events else spoken[0].clock}s of the step's world")
    axes.set_title(step + (" (orange: story beats)" if beats else ""))
    axes.grid(axis="x", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return image_html(figure, f"timeline of {step}")


def _timeline_section(record: DemoRecord) -> Section:
    events: dict[str, list[WorldEvent]] = defaultdict(list)
    spoken: dict[str, list[SpokenLine]] = defaultdict(list)
    for event in record.events:
        events[event.step].append(event)
    for line in record.spoken:
        spoken[line.step].append(line)
    steps = [s.title for s in record.steps if s.title in events or s.title in spoken]
    if not steps:
        return Section("timeline", "World timeline", nothing_to_show("no step recorded events."))
    parts = []
    for step in steps:
        parts.append(_timeline_plot(step, events[step], spoken[step]))
        table = Table(
            ("at", "who", "what"),
            [(_when(e.clock, e.at), e.who or "—", e.what) for e in events[step]],
        )
        parts.append(
            f"<details><summary>{len(events[step])} events of {escape(step)}</summary>"
            f"{table.html()}</details>"
        )
    return Section("timeline", "World timeline", "".join(parts))


def _no_render(line: SpokenLine) -> str:
    if not line.line:
        return "new text: the voices step renders shipped lines only"
    if not line.archetype:
        return "a human voice: no monster render"
    return "not rendered by the voices step"


def _spoken_section(record: DemoRecord) -> Section:
    title = "Who said what, in which voice"
    if not record.spoken:
        return Section("spoken", title, nothing_to_show("no NPC spoke a line."))
    players: dict[Path, str] = {}
    skipped = 0
    rows = []
    for line in record.spoken:
        player = ""
        if line.wav is not None:
            if line.wav not in players and len(players) < _MAX_PLAYERS:
                samples, rate = soundfile.read(line.wav, dtype="float32")
                players[line.wav] = audio_html(samples, rate, f"{line.speaker}: {line.line}")
            elif line.wav not in players:
                skipped += 1
            player = players.get(line.wav, "")
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{escape(cell)}</td>"
                for cell in (
                    line.step,
                    _when(line.clock, line.at),
                    line.speaker,
                    line.archetype or "human (no monster voice)",
                    line.text,
                )
            )
            + f"<td>{player or escape(_no_render(line))}</td></tr>"
        )
    head = (
        "<tr><th>step</th><th>when</th><th>speaker</th><th>voice</th><th>line</th>"
        "<th>the demo's render</th></tr>"
    )
    voiced = sum(1 for line in record.spoken if line.wav is not None)
    note = (
        f"<p>{len(record.spoken)} lines spoken, {voiced} with the voices step's render of "
        f"that line in that voice ({len(players)} distinct renders embedded"
        + (f"; {skipped} more not embedded, to keep the page light" if skipped else "")
        + ").</p>"
    )
    return Section(
        "spoken", title, f"{note}<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _beats_section(record: DemoRecord) -> Section:
    if not record.beats:
        return Section(
            "beats", "Story beats reached", nothing_to_show("no story beat was reached.")
        )
    table = Table(
        ("#", "beat", "title", "frame"),
        [(i + 1, b.beat, b.title, b.frame) for i, b in enumerate(record.beats)],
    )
    return Section(
        "beats",
        "Story beats reached",
        f"<p>{len(record.beats)} beats reached.</p>{table.html()}",
    )


def _sync_section(record: DemoRecord) -> Section:
    counts = record.sync
    if counts is None:
        return Section("sync", "Events synced", nothing_to_show("the sync step did not run."))
    table = Table(
        ("produced", "delivered", "duplicates applied", "lost", "waited offline", "reconnects"),
        [
            (
                counts.produced,
                counts.delivered,
                counts.duplicates,
                counts.lost,
                counts.offline_pending,
                counts.reconnects,
            )
        ],
        row_classes=["good" if counts.duplicates == 0 and counts.lost == 0 else "bad"],
    )
    return Section("sync", "Events synced", table.html())


def write_demo_report(record: DemoRecord, out_dir: Path | None = None) -> Path:
    """Write the demo's page for ``record`` to ``out_dir/index.html`` (by default
    ``<the demo's folder>/report``); returns its path."""
    target = out_dir if out_dir is not None else record.out_dir / "report"
    total = sum(s.seconds for s in record.steps)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    subtitle = (
        f"{len(record.steps)} steps in {total:.0f} s, written {when}; "
        f"the demo's files are in {record.out_dir.resolve()}"
    )
    sections = [
        _steps_section(record),
        _timeline_section(record),
        _spoken_section(record),
        _beats_section(record),
        _sync_section(record),
    ]
    return write_page(target, "AI Core demo report", subtitle, sections)
