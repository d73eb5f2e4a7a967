"""Every dashboard page runs with the browser's own parseFloat, parseInt and
String trims (Dash's Babel polyfill replaces them with shims 20-160x slower, which Plotly calls
for every point it draws; assets/00-native-builtins.js puts the originals back)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Function.prototype.toString of a frame the polyfill never ran in: the page's own is patched
# by the polyfill to call its shims "[native code]".
BUILTINS_JS = """() => {
  const frame = document.createElement('iframe');
  document.body.appendChild(frame);
  const source = (f) => frame.contentWindow.Function.prototype.toString.call(f);
  const native = (f) => source(f).includes('[native code]');
  const out = {
    parseFloat: native(window.parseFloat), parseInt: native(window.parseInt),
    numberParseFloat: native(Number.parseFloat), trim: native(String.prototype.trim),
    trimStart: native(String.prototype.trimStart), trimEnd: native(String.prototype.trimEnd),
    polyfilled: typeof Reflect.enumerate === 'function',  // core-js 2 adds it; browsers do not
    values: [parseFloat('  -1.5e3x'), parseInt('0x1f'), ' \\u00a0a\\n'.trim(),
             '  b '.trimStart(), ' c  '.trimEnd()],
  };
  frame.remove();
  return out;
}"""


def test_pages_use_the_browsers_own_parse_and_trim_functions(server, browser):
    page = browser.new_page()
    try:
        page.goto(server.base_url + "/experiments")
        page.fill("#login-username", "admin")
        page.fill("#login-password", server.admin_password)
        page.click("#login-submit")
        expect(page).to_have_url(re.compile(r"/experiments$"), timeout=30_000)
        page.wait_for_function("() => window.dash_clientside !== undefined")
        found = page.evaluate(BUILTINS_JS)
    finally:
        page.close()
    assert found["polyfilled"], "the polyfill no longer loads: the asset has no work left"
    assert {name: found[name] for name in ("parseFloat", "parseInt", "numberParseFloat", "trim",
                                           "trimStart", "trimEnd")} == dict.fromkeys(
        ("parseFloat", "parseInt", "numberParseFloat", "trim", "trimStart", "trimEnd"), True)
    assert found["values"] == [-1500, 31, "a", "b ", " c"]
