"""The report's page: a self-contained HTML document (inline CSS, images and audio as
``data:`` URIs, no network, no other file) built from titled sections.

The page carries a small inline script that checks itself in the browser that opens it:
it records every script error, ``console.error`` and failed resource into
``#page-check``, checks that every image decoded and every audio player loaded its
source, then marks the check ``done``. A test reads that element from the DOM a headless
Chromium dumps (tests/bench_qa); a person sees it as the page's last line.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Section", "Table", "escape", "nothing_to_show", "page_html", "write_page"]


def escape(text: object) -> str:
    """``text`` as HTML text (quotes escaped too: safe inside attributes)."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Section:
    """One section of the page: ``anchor`` its id, ``title`` its heading, ``body`` its
    HTML (already escaped)."""

    anchor: str
    title: str
    body: str


@dataclass(frozen=True)
class Table:
    """A table: ``header`` cells and ``rows`` of cells (plain text, escaped when drawn);
    ``row_classes`` a CSS class per row (``"bad"`` highlights a regression or a missed
    target), empty for none."""

    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    row_classes: Sequence[str] = ()

    def html(self) -> str:
        """The table as HTML."""
        head = "".join(f"<th>{escape(h)}</th>" for h in self.header)
        body = []
        for i, row in enumerate(self.rows):
            css = self.row_classes[i] if i < len(self.row_classes) else ""
            cells = "".join(f"<td>{escape(c)}</td>" for c in row)
            body.append(f'<tr class="{escape(css)}">{cells}</tr>' if css else f"<tr>{cells}</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def nothing_to_show(reason: str) -> str:
    """The body of a section with nothing to show, saying why (never a blank section)."""
    return f'<p class="empty">Nothing to show: {escape(reason)}</p>'


_CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px;
  padding: 1em 2em; color: #1c1c1c; background: #fafafa; }
h1 { border-bottom: 3px solid #1f4e79; padding-bottom: .2em; }
h2 { color: #1f4e79; margin-top: 2em; border-bottom: 1px solid #ccc; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
th { background: #e8eef5; }
tr.bad td { background: #fbe3e3; color: #8b0000; font-weight: bold; }
tr.good td { background: #e6f4e6; }
img { max-width: 100%; display: block; margin: .5em 0; background: white; }
.empty { color: #666; font-style: italic; }
.problems { color: #8b0000; }
.voice { display: inline-block; vertical-align: top; width: 370px; margin: 0 1em 1em 0; }
.voice img { width: 360px; }
#page-check { color: #666; font-size: .8em; margin-top: 3em; white-space: pre-wrap; }
"""

# Why a script at all: a page that renders blank or half-broken in a browser shows no error
# to a test that reads the HTML file; this records what the browser saw, in the DOM.
_CHECK_SCRIPT = """
(function () {
  var errors = [];
  function note(text) {
    errors.push(String(text));
    var box = document.getElementById('page-check');
    if (box) { box.setAttribute('data-errors', String(errors.length)); }
  }
  window.addEventListener('error', function (e) {
    var failed = e.target && (e.target.currentSrc || e.target.src);
    var what = e.message || (failed ? 'a resource failed to load: ' + e.target.tagName : 'error');
    note('error: ' + what);
  }, true);
  var original = console.error;
  console.error = function () {
    note('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var box = document.getElementById('page-check');
    var images = document.images, decoded = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) { decoded++; }
      else { note('image not decoded: ' + images[i].alt); }
    }
    var players = document.querySelectorAll('audio'), waiting = players.length, playable = 0;
    function finish() {
      box.setAttribute('data-images', String(images.length));
      box.setAttribute('data-images-decoded', String(decoded));
      box.setAttribute('data-audio', String(players.length));
      box.setAttribute('data-audio-playable', String(playable));
      box.setAttribute('data-errors', String(errors.length));
      box.setAttribute('data-state', 'done');
      box.textContent = 'Page check: ' + decoded + ' of ' + images.length + ' images decoded, '
        + playable + ' of ' + players.length + ' audio players loaded, '
        + errors.length + ' errors' + (errors.length ? ':\\n' + errors.join('\\n') : '.');
    }
    if (waiting === 0) { finish(); return; }
    var settled = false;
    function one() { waiting--; if (waiting === 0 && !settled) { settled = true; finish(); } }
    players.forEach(function (player) {
      var source = player.querySelector('source');
      var type = source ? source.type : '';
      if (!type || player.canPlayType(type) === '') {
        note('audio type not playable: ' + type + ' (' + player.title + ')');
        one(); return;
      }
      if (player.readyState >= 1) { playable++; one(); return; }
      player.addEventListener('loadedmetadata', function () { playable++; one(); }, { once: true });
      source.addEventListener('error', function () {
        note('audio failed to load: ' + player.title); one();
      }, { once: true });
      player.load();
    });
    setTimeout(function () {
      if (!settled) { settled = true; note('audio still loading after 10 s'); finish(); }
    }, 10000);
  });
})();
"""


def page_html(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole page: heading, a table of contents, the sections, the page check."""
    nav = " ".join(f'<a href="#{escape(s.anchor)}">{escape(s.title)}</a>' for s in sections)
    parts = [
        f'<section id="{escape(s.anchor)}"><h2>{escape(s.title)}</h2>{s.body}</section>'
        for s in sections
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style>"
        f"<script>{_CHECK_SCRIPT}</script></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(subtitle)}</p><nav>{nav}</nav>"
        + "".join(parts)
        + '<div id="page-check" data-state="pending" data-errors="0">'
        "Page check: not run (scripts off?)</div></body></html>\n"
    )


def write_page(out_dir: Path, title: str, subtitle: str, sections: Sequence[Section]) -> Path:
    """Write ``out_dir/index.html``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    scratch = path.with_suffix(".html.part")
    scratch.write_text(page_html(title, subtitle, sections), encoding="utf-8")
    scratch.replace(path)
    return path
