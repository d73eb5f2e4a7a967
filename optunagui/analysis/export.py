"""Figures as downloadable, self-contained interactive HTML pages."""

from __future__ import annotations

import io
from pathlib import Path

import plotly.graph_objects as go

__all__ = ["to_html"]


def to_html(fig: go.Figure, path: Path | str | None = None, *, title: str | None = None) -> str:
    """The figure as one HTML page with plotly.js inlined (opens offline); written to `path`
    too when given. Returns the HTML text."""
    if title:
        fig = go.Figure(fig)
        fig.update_layout(meta={"title": title})
    out = io.StringIO()
    fig.write_html(out, include_plotlyjs=True, full_html=True)
    html = out.getvalue()
    if title:
        html = html.replace("<head>", f"<head><title>{_escape(title)}</title>", 1)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
