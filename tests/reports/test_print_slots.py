"""At most MAX_PRINTS reports print at once; one more is told the printer is busy instead of
queueing without bound, and a slot freed by a print (or a failed one) is used again."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from optunagui.reports import MAX_PRINTS, PdfError, PrinterBusy, html_to_pdf

# A stand-in browser: says it started, waits until the test lets it go, then writes a PDF
# where it was asked.
FAKE_BROWSER = """#!/bin/sh
touch "{release}.started.$$"
while [ ! -e "{release}" ]; do sleep 0.05; done
for argument in "$@"; do
  case "$argument" in --print-to-pdf=*) printf '%%PDF-1.4 fake' > "${{argument#--print-to-pdf=}}";;
  esac
done
"""


@pytest.fixture
def slow_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    release = tmp_path / "release"
    browser = tmp_path / "browser"
    browser.write_text(FAKE_BROWSER.format(release=release))
    browser.chmod(0o755)
    monkeypatch.setenv("OPTUNAGUI_CHROMIUM", str(browser))
    return release


def test_a_print_beyond_the_limit_is_told_the_printer_is_busy(slow_browser: Path):
    results: list[bytes] = []
    printing = [threading.Thread(target=lambda: results.append(html_to_pdf("<p>x</p>")))
                for _ in range(MAX_PRINTS)]
    for thread in printing:
        thread.start()
    try:
        _wait_for_started(slow_browser, MAX_PRINTS)
        with pytest.raises(PrinterBusy, match=rf"busy printing {MAX_PRINTS} other reports; "
                                              "try again in a minute"):
            html_to_pdf("<p>one more</p>", wait_s=0.2)
    finally:
        slow_browser.touch()
        for thread in printing:
            thread.join(timeout=30)
    assert results == [b"%PDF-1.4 fake"] * MAX_PRINTS
    assert html_to_pdf("<p>again</p>", wait_s=5) == b"%PDF-1.4 fake"  # the slots came back


def _wait_for_started(release: Path, count: int) -> None:
    for _ in range(400):
        if len(list(release.parent.glob(f"{release.name}.started.*"))) >= count:
            return
        threading.Event().wait(0.05)
    pytest.fail(f"{count} prints never started")


def test_a_failed_print_frees_its_slot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'no display' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("OPTUNAGUI_CHROMIUM", str(broken))
    for _ in range(MAX_PRINTS + 1):
        with pytest.raises(PdfError, match="exited with 3 and no PDF: no display") as caught:
            html_to_pdf("<p>x</p>", wait_s=0)
        assert not isinstance(caught.value, PrinterBusy)
