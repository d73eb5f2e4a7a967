"""The dashboard's pages. Each public module here defines ``register(app)``, which registers
its page (``dash.register_page``) and its callbacks; helpers live in ``_*.py`` files.

Rules for a page (the tests enforce them):

- The layout holds no data: Dash sends every page's layout to every browser (the index page
  carries them as the validation layout). It holds the ids from the URL in a ``dcc.Store``.
- Every callback is registered with ``dashapp.guard.guarded_callback`` and a requirement:
  ``signed_in()``, ``admin()``, ``experiment(Role.X, "arg")``, ``run(Role.X, "arg")`` or
  ``share_link("arg")``; the function receives the checked ``Access`` and must use its ids.
- A new callback gets a row in ``tests/dashapp/test_callback_permissions.py`` (CASES).
- ``register_page(..., nav_label="...", nav_order=N)`` puts a link in the navigation bar.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__all__ = ["page_modules"]


def page_modules() -> list[ModuleType]:
    """Every page module of this package, in name order."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "register", None)):
            modules.append(module)
    return modules
