"""The dashboard's pages: one package per page (``dashapp/pages/<page>/``).

The package's ``__init__`` is the page: ``dash.register_page(__name__, ...)`` (so the page's
name is the package name), its ``layout`` and ``register(app)``. Beside it live the page's
ids (``ids.py``), its layout parts and its callbacks, grouped by concern; parts shared by
several pages are in ``dashapp.components``.

Rules for a page (the tests enforce those on layouts, requirements and names):

- The layout holds no data: Dash sends every page's layout to every browser (the index page
  carries them as the validation layout). It holds the ids from the URL in a ``dcc.Store``.
- Callbacks are module-level functions, so tests can import and call them; ``register(app)``
  only wires them. A callback with more than a few outputs returns a dict of them.
- Every callback is registered with ``dashapp.guard.guarded_callback`` and a requirement:
  ``signed_in()``, ``admin()``, ``experiment(Role.X, "arg")``, ``run(Role.X, "arg")``,
  ``reader()`` (a signed-in user or a share-link visitor; the callback checks each run) or
  ``share_link("arg")``; the function receives the checked ``Access`` and must use its ids.
  The role itself is computed in one place, ``dashapp.access``; a page that reads runs of
  several experiments asks it for each (``readable_runs``).
- A callback is registered under its function's name, unique in the app (``name=`` for a
  function wired on several pages, e.g. ``run_save_note``). A new callback gets a row under
  that name in ``tests/dashapp/callback_cases.py`` (CASES).
- ``register_page(..., nav_label="...", nav_order=N)`` puts a link in the navigation bar.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__all__ = ["page_modules"]


def page_modules() -> list[ModuleType]:
    """Every page of this package (each page's package), in name order."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "register", None)):
            modules.append(module)
    return modules
