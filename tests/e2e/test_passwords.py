"""Passwords in the browser: an admin resets a colleague's password, the colleague signs in with
the temporary one and must choose a new one, then changes it again under Account, which signs
their other browser out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 20_000
FIRST = "carol's first password"
CHOSEN = "carol chose this one"
LATEST = "carol's latest password"


def _sign_in(page: Page, base_url: str, name: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#login-username", name)
    page.fill("#login-password", password)
    page.click("#login-submit")


def test_reset_then_forced_change_then_change_under_account(server, browser):
    admin = browser.new_context().new_page()
    admin.set_default_timeout(TIMEOUT_MS)
    _sign_in(admin, server.base_url, "admin", server.admin_password)
    expect(admin).to_have_url(re.compile(r"/experiments$"))
    admin.goto(server.base_url + "/admin")
    admin.fill("#admin-new-name", "carol")
    admin.fill("#admin-new-password", FIRST)
    admin.click("#admin-create")
    expect(admin.locator("#admin-create-feedback")).to_contain_text("Created carol.")

    laptop = browser.new_context().new_page()
    laptop.set_default_timeout(TIMEOUT_MS)
    _sign_in(laptop, server.base_url, "carol", FIRST)
    expect(laptop).to_have_url(re.compile(r"/experiments$"))

    row = admin.locator("#admin-users-table tr", has_text="carol")
    row.get_by_role("button", name="Reset password").click()
    temporary = admin.locator("#admin-temporary-password").inner_text()
    assert len(temporary) >= 8

    laptop.goto(server.base_url + "/experiments")  # the reset signed carol out
    expect(laptop).to_have_url(re.compile(r"/login\?next="))

    phone = browser.new_context().new_page()
    phone.set_default_timeout(TIMEOUT_MS)
    _sign_in(phone, server.base_url, "carol", temporary)
    expect(phone.locator("#password-change-form")).to_contain_text("Choose a new password")
    phone.fill("#password-change-new", CHOSEN)
    phone.fill("#password-change-repeat", CHOSEN)
    phone.click("#password-change-submit")
    expect(phone).to_have_url(re.compile(r"/experiments$"))
    expect(phone.locator("#shell-user-name")).to_have_text("carol")

    _sign_in(laptop, server.base_url, "carol", CHOSEN)
    expect(laptop).to_have_url(re.compile(r"/experiments$"))

    phone.goto(server.base_url + "/account")
    phone.fill("#account-password-current", "not my password")
    phone.fill("#account-password-new", LATEST)
    phone.fill("#account-password-repeat", LATEST)
    phone.click("#account-password-change")
    expect(phone.locator("#account-password-feedback")).to_contain_text("wrong")
    phone.fill("#account-password-current", CHOSEN)
    phone.click("#account-password-change")
    expect(phone.locator("#account-password-feedback")).to_contain_text("Password changed")
    expect(phone.locator("#account-password-current")).to_have_value("")

    phone.goto(server.base_url + "/experiments")  # still signed in here
    expect(phone).to_have_url(re.compile(r"/experiments$"))
    laptop.goto(server.base_url + "/experiments")  # signed out there
    expect(laptop).to_have_url(re.compile(r"/login\?next="))
