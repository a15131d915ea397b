"""Open a page in headless Chromium (Debian's ``chromium``, installed by
tools/install_system_packages.sh): the DOM it rendered, and a screenshot of it.

The report pages check themselves in the browser (engine_bridge/tooling/bench/report/
html_page.py): their ``#page-check`` element holds what the browser saw (errors, images
decoded, audio players loaded). Chromium's own log (``--enable-logging=stderr``) is read
too, for console messages the page's script could not catch."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

__all__ = ["PageCheck", "chromium", "page_check", "screenshot_pixels"]

_TIMEOUT_S = 180.0  # a bound for a loaded machine, not a speed
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--mute-audio",
    "--enable-logging=stderr",
    "--v=0",
    # Virtual time: the page's load, its audio metadata and its script finish before the
    # dump, however slow the machine, without a wall-clock wait.
    "--virtual-time-budget=20000",
)


def chromium() -> str:
    """The Chromium executable (the test fails, not skips, when it is missing: the
    project's setup installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is not installed: run tools/install_system_packages.sh"
    return found


def _run(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *_FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-3000:]}"
    return done


class PageCheck:
    """What the page's own check recorded, and the console errors Chromium logged."""

    def __init__(self, dom: str, log: str) -> None:
        found = re.search(r'<div id="page-check"([^>]*)>(.*?)</div>', dom, re.DOTALL)
        assert found, "the dumped DOM has no #page-check element"
        self.attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', found.group(1)))
        self.text = found.group(2)
        self.dom = dom
        # Chromium logs each console message of the page as "...:CONSOLE:<line>] text",
        # without its level; the report pages write none, so any such line is a failure.
        self.console_lines = [line for line in log.splitlines() if ":CONSOLE" in line]

    def number(self, name: str) -> int:
        """An integer attribute of ``#page-check`` (``images``, ``audio-playable``...)."""
        return int(self.attributes[f"data-{name}"])


def page_check(page: Path, scratch: Path) -> PageCheck:
    """Load ``page`` in headless Chromium; what its check saw once loaded."""
    done = _run(page, scratch / "profile-dom", "--dump-dom")
    return PageCheck(done.stdout, done.stderr)


def screenshot_pixels(page: Path, scratch: Path, width: int, height: int) -> np.ndarray:
    """A ``width`` x ``height`` screenshot of ``page`` as an (height, width, channels)
    array of floats in 0..1."""
    from matplotlib import image

    png = scratch / "screenshot.png"
    _run(
        page,
        scratch / "profile-shot",
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
    )
    assert png.is_file(), "chromium wrote no screenshot"
    return np.asarray(image.imread(png))
