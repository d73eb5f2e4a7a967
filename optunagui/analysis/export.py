"""Figures as downloadable, self-contained interactive HTML pages."""

from __future__ import annotations

import io
from pathlib import Path

import plotly.graph_objects as go

__all__ = ["to_html"]


def to_html(fig: go.Figure, path: Path | str | None = None, *, title: str | None = None,
            shared_plotlyjs: bool = False) -> str:
    """The figure as one HTML page with plotly.js inlined (opens offline); written to `path`
    too when given. Returns the HTML text.

    With ``shared_plotlyjs`` the page loads ``plotly.min.js`` from its own folder instead
    (written there once): several pages in one folder then share one copy of its 4.5 MB.
    """
    if title:
        fig = go.Figure(fig)
        fig.update_layout(meta={"title": title})
    out = io.StringIO()
    fig.write_html(out, include_plotlyjs="directory" if shared_plotlyjs else True,
                   full_html=True)
    html = out.getvalue()
    if title:
        html = html.replace("<head>", f"<head><title>{_escape(title)}</title>", 1)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
        if shared_plotlyjs:
            _write_plotlyjs(Path(path).parent / "plotly.min.js")
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_plotlyjs(path: Path) -> None:
    from plotly.offline import get_plotlyjs

    script = get_plotlyjs()
    if not path.exists() or path.stat().st_size != len(script.encode("utf-8")):
        path.write_text(script, encoding="utf-8")
