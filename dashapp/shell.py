"""The navigation shell around every page: brand, page links, the user's name and sign-out.

The shell's layout holds no user data (Dash sends the layout to every browser); one guarded
callback fills in the signed-in user's name, the admin link and the sign-out form's CSRF token.
A share-link visitor gets none of it. The alerts pop-up (``dashapp.components.alert_toast``)
polls the signed-in user's inbox from here, on every page.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashapp import guard
from dashapp.auth import csrf_token
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.alert_toast import alert_toast_parts, register_alert_toast
from dashapp.guard import Access, Denial
from dashapp.paths import app_path

__all__ = ["ids", "layout", "nav_entries", "register", "show_user"]


class ids:
    nav = "shell-nav"
    admin_link = "shell-nav-admin"
    user = "shell-user"
    user_name = "shell-user-name"
    logout_csrf = "shell-logout-csrf"
    location = "_pages_location"


def nav_entries() -> list[dict[str, Any]]:
    """Pages that asked for a navigation link (``nav_label`` in ``register_page``), in order."""
    pages = [page for page in dash.page_registry.values() if page.get("nav_label")]
    return sorted(pages, key=lambda page: (page.get("nav_order", 100), page["path"]))


def _nav_link(page: dict[str, Any]) -> dbc.NavItem:
    link_id = ids.admin_link if page.get("admin_only") else f"shell-nav-{page['path'].strip('/')}"
    return dbc.NavItem(
        dbc.NavLink(page["nav_label"], href=app_path(page["path"]), active="partial"),
        id=link_id,
        style=HIDDEN if page.get("admin_only") else None,
    )


def layout() -> html.Div:
    return html.Div(
        [
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("OptunaGui", href=app_path("/experiments")),
                        dbc.Nav(
                            [_nav_link(page) for page in nav_entries()],
                            id=ids.nav,
                            navbar=True,
                            class_name="me-auto",
                            style=HIDDEN,
                        ),
                        html.Div(
                            html.Div(
                                [
                                    dbc.NavLink(
                                        html.Span(id=ids.user_name),
                                        href=app_path("/account"),
                                        class_name="text-light me-3",
                                    ),
                                    html.Form(
                                        [
                                            dash.dcc.Input(
                                                id=ids.logout_csrf,
                                                type="hidden",
                                                name="csrf_token",
                                                value="",
                                            ),
                                            dbc.Button(
                                                "Sign out",
                                                type="submit",
                                                size="sm",
                                                color="light",
                                                outline=True,
                                                id="shell-sign-out",
                                            ),
                                        ],
                                        method="post",
                                        action=app_path("/logout"),
                                        className="d-inline",
                                    ),
                                ],
                                className="d-flex align-items-center",
                            ),
                            id=ids.user,
                            style=HIDDEN,
                        ),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
                class_name="mb-4",
            ),
            dbc.Container(dash.page_container, fluid=True, class_name="og-page"),
            *alert_toast_parts(),
        ]
    )


def _user_view(name: str | None, *, signed_in: bool, is_admin: bool, csrf: str) -> dict[str, Any]:
    return {
        "name": name,
        "nav": SHOWN if signed_in else HIDDEN,
        "user": SHOWN if signed_in else HIDDEN,
        "admin_link": SHOWN if is_admin else HIDDEN,
        "csrf": csrf,
    }


def _anonymous(_denial: Denial) -> dict[str, Any]:
    return _user_view("", signed_in=False, is_admin=False, csrf="")


def show_user(access: Access, pathname: str | None) -> dict[str, Any]:
    principal = access.principal
    return _user_view(principal.name, signed_in=True, is_admin=principal.is_admin,
                      csrf=csrf_token())


def register(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output={
            "name": Output(ids.user_name, "children"),
            "nav": Output(ids.nav, "style"),
            "user": Output(ids.user, "style"),
            "admin_link": Output(ids.admin_link, "style"),
            "csrf": Output(ids.logout_csrf, "value"),
        },
        inputs={"pathname": Input(ids.location, "pathname")},
        on_denied=_anonymous,
    )(show_user)
    register_alert_toast(app)
