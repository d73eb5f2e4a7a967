"""A report page printed to PDF by headless Chromium (the same page, figures drawn).

Printing never reaches the network: the page gets a Content-Security-Policy that lets it load
nothing but what it carries (inline scripts and styles, ``data:`` images), and Chromium runs
with every host name unresolvable and every connection sent to a proxy that does not exist.
A note pointing at a service on the server's loopback, or anywhere else, is never fetched.
At most ``MAX_PRINTS`` pages are printed at once per server process; another request waits
``PRINT_WAIT_S`` for a free slot, then is told the printer is busy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from optunagui.reports.page import content_security_policy, csp_meta

__all__ = ["MAX_PRINTS", "PdfError", "PrinterBusy", "find_chromium", "html_to_pdf"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
    "--virtual-time-budget=15000",
)
#: No request leaves Chromium: names do not resolve, and every connection (IP addresses and
#: loopback included) goes to a proxy whose name does not resolve either.
OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://proxy.invalid:1",
    "--proxy-bypass-list=<-loopback>",
    "--disable-domain-reliability", "--no-pings", "--dns-prefetch-disable",
)
MAX_PRINTS = 2
PRINT_WAIT_S = 10.0
_PRINT_SLOTS = threading.BoundedSemaphore(MAX_PRINTS)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"^\s*<!doctype[^>]*>", re.IGNORECASE)


class PdfError(RuntimeError):
    """The PDF could not be made (no Chromium on this machine, or it failed)."""


class PrinterBusy(PdfError):
    """Every print slot is taken: the request should be made again a little later."""


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


def offline_page(page: str) -> str:
    """``page`` with a policy that lets it load nothing from anywhere, first in its head (a
    second policy can only narrow what the page's own allows)."""
    meta = csp_meta(content_security_policy(remote_images=False))
    head = _HEAD.search(page)
    if head is not None:
        return page[:head.end()] + meta + page[head.end():]
    doctype = _DOCTYPE.match(page)
    at = doctype.end() if doctype is not None else 0
    return page[:at] + f"<head>{meta}</head>" + page[at:]


def html_to_pdf(page: str, *, timeout_s: float = 120.0, wait_s: float | None = None) -> bytes:
    """Print an HTML page (as text) to PDF bytes, A4, backgrounds kept, with no network.

    Raises:
        PrinterBusy: ``MAX_PRINTS`` prints were running for all of ``wait_s`` (default
            ``PRINT_WAIT_S``).
        PdfError: no Chromium, or it failed or ran past ``timeout_s``.
    """
    browser = find_chromium()
    if browser is None:
        raise PdfError("PDF reports need Chromium: install it (e.g. `apt-get install chromium`) "
                       "or point OPTUNAGUI_CHROMIUM at the browser; the HTML report works "
                       "without it")
    if not _PRINT_SLOTS.acquire(timeout=PRINT_WAIT_S if wait_s is None else wait_s):
        raise PrinterBusy(f"the server is busy printing {MAX_PRINTS} other reports; try again "
                          "in a minute, or download the HTML report")
    try:
        return _print(browser, offline_page(page), timeout_s)
    finally:
        _PRINT_SLOTS.release()


def _print(browser: str, page: str, timeout_s: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="optunagui-report-") as folder:
        source = Path(folder) / "report.html"
        target = Path(folder) / "report.pdf"
        source.write_text(page, encoding="utf-8")
        command = [browser, *FLAGS, *OFFLINE_FLAGS, f"--user-data-dir={Path(folder) / 'profile'}",
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
