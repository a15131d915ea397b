"""Pictures and sounds as ``data:`` URIs, so the report is one file: matplotlib figures
drawn with the Agg backend (no display, no window) as PNG, audio as 16-bit WAV."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import numpy as np

from engine_bridge.tooling.bench.report.html_page import escape
from vocal.extras import import_extra

if TYPE_CHECKING:
    from matplotlib.figure import Figure as PlotFigure

__all__ = ["audio_html", "image_html", "new_plot", "png_data_uri", "wav_data_uri"]

_DPI = 80


def new_plot(width: float = 9.0, height: float = 3.6) -> PlotFigure:
    """An empty matplotlib figure of ``width`` x ``height`` inches, not tied to any
    display (``matplotlib.figure.Figure`` draws with Agg when saved)."""
    # Plots are a tool: matplotlib comes with the "tools" extra, never with the game.
    figure_module = import_extra("matplotlib.figure", "the benchmark report's plots")
    figure: PlotFigure = figure_module.Figure(
        figsize=(width, height), dpi=_DPI, layout="constrained"
    )
    return figure


def png_data_uri(figure: PlotFigure) -> str:
    """The figure as a PNG ``data:`` URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_html(figure: PlotFigure, alt: str) -> str:
    """An ``<img>`` showing the figure."""
    return f'<img src="{png_data_uri(figure)}" alt="{escape(alt)}">'


def wav_data_uri(samples: np.ndarray, sample_rate: int) -> str:
    """Mono or (n, channels) float samples as a 16-bit PCM WAV ``data:`` URI (16 bits
    halve the page's size against float32 and every browser plays them)."""
    import soundfile

    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    buffer = io.BytesIO()
    soundfile.write(buffer, clipped, sample_rate, format="WAV", subtype="PCM_16")
    return "data:audio/wav;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def audio_html(samples: np.ndarray, sample_rate: int, title: str) -> str:
    """An ``<audio>`` player with the samples as its source."""
    uri = wav_data_uri(samples, sample_rate)
    return (
        f'<audio controls preload="metadata" title="{escape(title)}">'
        f'<source src="{uri}" type="audio/wav"></audio>'
    )
