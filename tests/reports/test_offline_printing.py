"""Reports never make anyone fetch what a note points at: printing a PDF reaches no address at
all (a real HTTP server on loopback counts the requests), HTML reports show a note's remote
images only where an admin allows them, and images carried in the page (data: URIs, the
product's own figures) still draw."""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pytest

from optunagui.reports import ReportOptions, build_experiment_report, build_run_report
from optunagui.reports.pdf import find_chromium, html_to_pdf, offline_page
from optunagui.store.notes import add_note
from tests.factories import add_experiment
from tests.reports.report_data import write_run

FAST = ReportOptions(feature_impact=False)
needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
# A 1x1 PNG, carried in the note itself.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)).decode()


@dataclass
class Recorder:
    url: str
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def loopback() -> Iterator[Recorder]:
    """An HTTP server on 127.0.0.1 that answers every GET with an image and records it."""
    recorder = Recorder("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            recorder.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(base64.b64decode(PIXEL))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


def _noted_run(db, recorder: Recorder) -> tuple[int, int]:
    """A finished run whose notes and experiment description point at ``recorder``."""
    with db.session() as session:
        user, experiment = add_experiment(
            session, "ssrf", description=f"Look: ![plot]({recorder.url}/description.png)")
        user_id, experiment_id = user.id, experiment.id
    run_id = write_run(db, experiment_id, user_id, "noted", n_trials=6)
    with db.session() as session:
        add_note(session, experiment_id, f"![secret]({recorder.url}/run-note.png) and "
                 f"![pixel](data:image/png;base64,{PIXEL})", author_id=user_id, run_id=run_id)
        add_note(session, experiment_id, f"![]({recorder.url.replace('127.0.0.1', 'localhost')}"
                 "/experiment-note.png)", author_id=user_id)
    return experiment_id, run_id


@needs_chromium
def test_printing_reports_with_remote_note_images_fetches_nothing(db, tmp_settings, loopback):
    experiment_id, run_id = _noted_run(db, loopback)
    allowed = replace(tmp_settings, allow_remote_images=True)  # even where the admin allows
    with db.session() as session:
        pages = [build_run_report(session, run_id, tmp_settings, FAST),
                 build_run_report(session, run_id, allowed, FAST),
                 build_experiment_report(session, experiment_id, allowed)]
    assert f'<img src="{loopback.url}/run-note.png"' in pages[1]  # the HTML would load it
    for page in pages:
        assert html_to_pdf(page).startswith(b"%PDF")
    assert loopback.hits == []


@needs_chromium
def test_printing_any_page_reaches_no_address(loopback):
    url, ws = loopback.url, loopback.url.replace("http:", "ws:")
    page = (f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{url}/style.css">'
            f"<style>body {{ background: url({url}/background.png) }}</style></head><body>"
            f'<img src="{url}/img.png"><img src="{url.replace("127.0.0.1", "localhost")}/named">'
            f'<iframe src="{url}/frame"></iframe><img src="file:///usr/share/pixmaps/debian.png">'
            f'<script>fetch("{url}/fetch"); new Image().src = "{url}/script-image";'
            f'try {{ new WebSocket("{ws}/socket"); }} catch (e) {{}}</script>'
            "<p>printed</p></body></html>")
    assert html_to_pdf(page).startswith(b"%PDF")
    assert html_to_pdf("<p>no head at all</p>" + page).startswith(b"%PDF")
    assert loopback.hits == []


def test_html_reports_show_remote_images_only_where_allowed(db, tmp_settings, loopback):
    experiment_id, run_id = _noted_run(db, loopback)
    allowed = replace(tmp_settings, allow_remote_images=True)
    with db.session() as session:
        run_page = build_run_report(session, run_id, tmp_settings, FAST)
        experiment_page = build_experiment_report(session, experiment_id)
        allowed_page = build_run_report(session, run_id, allowed, FAST)
        allowed_experiment = build_experiment_report(session, experiment_id, allowed)
    for page in (run_page, experiment_page):
        assert f'src="{loopback.url}' not in page and "src=\"http://localhost" not in page
        assert "img-src data: blob:;" in page  # the page's own policy refuses them too
    assert (f'<a class="remote-image" href="{loopback.url}/run-note.png" '
            'rel="noopener noreferrer nofollow" title="Remote image, not loaded">image: secret'
            "</a>") in run_page
    assert "image: plot</a>" in experiment_page and "image: http://localhost" in experiment_page
    assert f'<img src="data:image/png;base64,{PIXEL}" alt="pixel" />' in run_page
    assert f'<img src="{loopback.url}/run-note.png" alt="secret" />' in allowed_page
    assert f'<img src="{loopback.url}/description.png" alt="plot" />' in allowed_experiment
    assert "img-src data: blob: http: https:;" in allowed_page
    assert loopback.hits == []  # building a report fetches nothing either


def test_the_print_policy_comes_first_in_the_head():
    printed = offline_page('<!DOCTYPE html><html><head lang="en"><title>t</title></head></html>')
    assert printed.startswith('<!DOCTYPE html><html><head lang="en"><meta http-equiv='
                              '"Content-Security-Policy" content="default-src &#x27;none&#x27;;')
    assert "img-src data: blob:;" in printed
    bare = offline_page("<!doctype html><p>x</p>")
    assert bare.startswith("<!doctype html><head><meta http-equiv=\"Content-Security-Policy\"")


@needs_chromium
def test_figures_and_embedded_images_draw_under_the_print_policy(db, tmp_settings, loopback,
                                                                 tmp_path):
    from playwright.sync_api import sync_playwright

    _experiment_id, run_id = _noted_run(db, loopback)
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings, FAST)
    n_figures = page.count('class="report-figure"')
    source = tmp_path / "report.html"
    source.write_text(offline_page(page), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(),
                                             args=["--headless", "--no-sandbox"])
        try:
            tab = browser.new_page()
            refused: list[str] = []
            tab.on("console", lambda message: refused.append(message.text)
                   if "Content Security Policy" in message.text else None)
            tab.goto(source.as_uri())
            tab.wait_for_function("document.querySelectorAll('.report-figure .main-svg')"
                                  f".length >= {n_figures}")
            pixel = tab.eval_on_selector('img[alt="pixel"]', "img => img.naturalWidth")
        finally:
            browser.close()
    assert pixel == 1
    assert refused == []
    assert loopback.hits == []
