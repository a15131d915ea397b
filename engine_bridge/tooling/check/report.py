"""What ``aicore check`` found: each problem with its place and stable code, the notes
and what was looked at; and how it is shown to a person (``path:line: message`` lines,
then one summary line)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Problem", "Report", "plural", "render", "shown"]


@dataclass(frozen=True)
class Problem:
    """One finding: where (``line`` None when the file has no line to point at), what kind
    of problem (``code``, stable: tests and tools match on it, never on the message) and
    the ``message`` for a person."""

    path: str
    line: int | None
    message: str
    code: str = "content"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class Report:
    """Everything one ``check`` found, and what it looked at."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What could not be checked, and why (not a failure)."""
    checked: list[str] = field(default_factory=list)
    """What was checked, for the summary: ``"7 scripts"``, ``"17 voice lines"``..."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, path: Path | str, line: int | None, message: str, *, code: str) -> None:
        self.problems.append(Problem(shown(path), line, message, code))


def render(report: Report) -> list[str]:
    """The report as printed: each problem as ``path:line: message``, each note, then one
    summary line (the problems and files counted, or what was checked)."""
    lines = [str(problem) for problem in report.problems]
    lines += [f"note: {note}" for note in report.notes]
    if not report.ok:
        files = len({p.path for p in report.problems})
        problems = plural(len(report.problems), "problem")
        lines.append(f"aicore check: {problems} in {plural(files, 'file')}")
    else:
        lines.append(f"aicore check: {', '.join(report.checked)}: all fine")
    return lines


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 script"``, ``"7 scripts"``, ``"2 stories"``."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def shown(path: Path | str) -> str:
    """A path as the user will click it: relative to the working folder when inside it."""
    absolute = Path(path).absolute()
    with contextlib.suppress(ValueError):
        return str(absolute.relative_to(Path.cwd()))
    return str(absolute)
