"""Figures handed to the browser as self-contained interactive HTML files (``dcc.Download``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc

from optunagui.analysis import to_html

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["download_button", "html_download"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:80] or "figure"


def html_download(fig: go.Figure, name: str, title: str) -> dict[str, Any]:
    """What ``dcc.Download.data`` takes: the figure as one HTML page, plotly.js inlined."""
    return {
        "content": to_html(fig, title=title),
        "filename": f"{_slug(name)}.html",
        "type": "text/html",
        "base64": False,
    }


def download_button(button_type: str, figure: str) -> dbc.Button:
    return dbc.Button(
        "Download HTML",
        id={"type": button_type, "figure": figure},
        size="sm",
        color="secondary",
        outline=True,
        class_name="mt-1",
    )
