"""Pieces of a self-contained report page: escaped text, tables, Markdown, figures.

The page inlines plotly.js once, so it opens offline from disk; every figure is a ``div``
drawn by one ``Plotly.newPlot`` call. Markdown (notes) is rendered without raw HTML and with
only safe link schemes, so nothing in a note runs as script; its remote images are links unless
an admin allows them. The page's Content-Security-Policy lets it load nothing from anywhere
(images only from ``data:`` URIs, or from the web when remote images are allowed).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from optunagui.reports.markdown import render_markdown

__all__ = ["Page", "content_security_policy", "esc", "fmt", "markdown", "table"]

DEFAULT_FIGURE_HEIGHT = 420

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em;
       margin-top: 1.6em; page-break-after: avoid; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .muted { color: #666; font-size: 0.9em; }
.verdict { background: #f6f8fa; border-left: 4px solid #4a90d9; padding: 0.4em 0.8em; }
.figure { page-break-inside: avoid; margin-bottom: 1em; }
.note { border: 1px solid #e3e3e3; border-radius: 4px; padding: 0.4em 0.8em; margin: 0.5em 0; }
.badge { background: #ffc107; border-radius: 3px; padding: 0 0.4em; font-size: 0.8em; }
@media print { body { margin: 0; max-width: none; } }
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def fmt(value: Any) -> str:
    """A value as a report shows it: numbers to 6 significant digits, times in UTC."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, css: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(fmt(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    attr = f' class="{esc(css)}"' if css else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def markdown(text: str, *, remote_images: bool = False) -> str:
    return render_markdown(text, remote_images=remote_images)


def content_security_policy(*, remote_images: bool = False) -> str:
    """What a report page may load: its own inline scripts and styles, images from ``data:``
    URIs (and from the web when remote images are allowed), nothing else."""
    images = "data: blob: http: https:" if remote_images else "data: blob:"
    return ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
            f"style-src 'unsafe-inline'; img-src {images}; font-src data:; "
            "base-uri 'none'; form-action 'none'")


def csp_meta(policy: str) -> str:
    return f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">'


class Page:
    """A report page built section by section; ``remote_images`` as the admin set it."""

    def __init__(self, title: str, *, remote_images: bool = False) -> None:
        self.title = title
        self.remote_images = remote_images
        self.parts: list[str] = []
        self.n_figures = 0

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(f"<h{level}>{esc(text)}</h{level}>")

    def paragraph(self, text: str, css: str = "") -> None:
        attr = f' class="{esc(css)}"' if css else ""
        self.parts.append(f"<p{attr}>{esc(text)}</p>")

    def markdown(self, text: str) -> str:
        """A note's Markdown as markup for ``raw``, with this page's rule for images."""
        return markdown(text, remote_images=self.remote_images)

    def raw(self, markup: str) -> None:
        """Markup built by this module's helpers (already escaped)."""
        self.parts.append(markup)

    def figure(self, fig: go.Figure, caption: str | None = None) -> None:
        self.n_figures += 1
        div_id = f"figure-{self.n_figures}"
        # Text inside a figure must not be able to close the script element.
        spec = fig.to_json().replace("</", "<\\/")
        caption_html = f'<p class="muted">{esc(caption)}</p>' if caption else ""
        height = int(fig.layout.height or DEFAULT_FIGURE_HEIGHT)  # subplots set their own
        self.parts.append(
            f'<div class="figure"><div id="{div_id}" class="report-figure" '
            f'style="height:{height}px"></div>{caption_html}<script>(function(){{'
            f'var s={spec};Plotly.newPlot("{div_id}",s.data,s.layout,'
            '{"displaylogo":false,"responsive":true});})();</script></div>'
        )

    def render(self) -> str:
        return (
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"{csp_meta(content_security_policy(remote_images=self.remote_images))}"
            f"<title>{esc(self.title)}</title><style>{STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>"
            + "".join(self.parts)
            + "</body></html>"
        )

