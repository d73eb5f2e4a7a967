"""A report page printed to PDF by headless Chromium (the same page, figures drawn)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PdfError", "find_chromium", "html_to_pdf"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
    "--virtual-time-budget=15000",
)


class PdfError(RuntimeError):
    """The PDF could not be made (no Chromium on this machine, or it failed)."""


def find_chromium() -> str | None:
    """OPTUNAGUI_CHROMIUM when set, else the first Chromium or Chrome on the PATH."""
    configured = os.environ.get("OPTUNAGUI_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(page: str, *, timeout_s: float = 120.0) -> bytes:
    """Print an HTML page (as text) to PDF bytes, A4, backgrounds kept."""
    browser = find_chromium()
    if browser is None:
        raise PdfError("PDF reports need Chromium: install it (e.g. `apt-get install chromium`) "
                       "or point OPTUNAGUI_CHROMIUM at the browser; the HTML report works "
                       "without it")
    with tempfile.TemporaryDirectory(prefix="optunagui-report-") as folder:
        source = Path(folder) / "report.html"
        target = Path(folder) / "report.pdf"
        source.write_text(page, encoding="utf-8")
        command = [browser, *FLAGS, f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={target}", source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {timeout_s:.0f} s") from None
        except OSError as error:
            raise PdfError(f"Chromium could not start: {error.strerror}") from None
        if not target.is_file() or target.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise PdfError(f"Chromium exited with {done.returncode} and no PDF: {tail[0]}")
        return target.read_bytes()
