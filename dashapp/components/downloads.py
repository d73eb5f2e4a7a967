"""Files handed to the browser through ``dcc.Download``: figures as self-contained interactive
HTML pages, and any other file (reports, exports, packages), with the menus that ask for them."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from optunagui.analysis import to_html
from optunagui.reports import PdfError, html_to_pdf

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["download_button", "download_menu", "file_download", "html_download"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:80] or "figure"


def html_download(fig: go.Figure, name: str, title: str) -> dict[str, Any]:
    """What ``dcc.Download.data`` takes: the figure as one HTML page, plotly.js inlined."""
    return file_download(to_html(fig, title=title), f"{_slug(name)}.html", "text/html")


def file_download(content: str | bytes, filename: str, mime: str) -> dict[str, Any]:
    """What ``dcc.Download.data`` takes: text as it is, bytes in base64."""
    if isinstance(content, bytes):
        return {"content": base64.b64encode(content).decode("ascii"), "filename": filename,
                "type": mime, "base64": True}
    return {"content": content, "filename": filename, "type": mime, "base64": False}


def report_download(page: str, name: str, fmt: str) -> tuple[Any, Any]:
    """(the download, a message) of a report page as ``fmt`` ("html" or "pdf"); a PDF that
    cannot be printed gives no download and says why."""
    if fmt == "html":
        return file_download(page, f"{name}.html", "text/html"), None
    try:
        pdf = html_to_pdf(page)
    except PdfError as error:
        return None, f"Cannot make the PDF: {error}"
    return file_download(pdf, f"{name}.pdf", "application/pdf"), None


def download_menu(label: str, choices: Mapping[str, str], *, item_type: str, key: str,
                  menu_id: str, download_id: str, feedback_id: str) -> html.Span:
    """A dropdown of files to download: one item per choice, with id ``{"type": item_type,
    key: choice}``, the ``dcc.Download`` they fill and a place for a message."""
    items = [dbc.DropdownMenuItem(text, id={"type": item_type, key: choice})
             for choice, text in choices.items()]
    return html.Span(
        [
            dbc.DropdownMenu(items, label=label, size="sm", color="secondary",
                             class_name="d-inline-block", id=menu_id),
            dcc.Download(id=download_id),
            html.Div(id=feedback_id, className="mt-2"),
        ],
        className="ms-3",
    )


def download_button(button_type: str, figure: str) -> dbc.Button:
    return dbc.Button(
        "Download HTML",
        id={"type": button_type, "figure": figure},
        size="sm",
        color="secondary",
        outline=True,
        class_name="mt-1",
    )
