"""Compare page (/compare?runs=3,7,9): runs side by side, their best-so-far curves overlaid,
and a paired statistical comparison of their best trials' per-fold scores.

A baseline pinned in a compared run's experiment joins the comparison, marked "(baseline)",
and the statistics test each run against it; ``baseline=0`` in the URL (or the switch) leaves
it out. The best configurations can be re-evaluated over several seeds for more pairs
(``reevaluate.py``): the callback starts it, a timer polls for the result.

The URL is shareable: the layout (``layout.py``) holds only the ``runs`` text from it. The
callbacks (``comparison.py``, ``reevaluate.py``) need a signed-in user (the comparison, not
the re-evaluation, also a share-link visitor) and then check every run id on its own through
``dashapp.access`` (``selection.py``): runs the user may not read are refused by id, with the
same words whether they exist or not, and nothing of them is shown.
"""

from __future__ import annotations

import dash

from dashapp.pages.compare.comparison import register_comparison_callbacks
from dashapp.pages.compare.ids import ids
from dashapp.pages.compare.layout import layout
from dashapp.pages.compare.reevaluate import register_reevaluation_callbacks

__all__ = ["ids", "layout", "register"]


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path="/compare",
        name="Compare",
        title="Compare runs · OptunaGui",
        layout=layout,
        nav_label="Compare",
        nav_order=20,
    )
    register_comparison_callbacks(app)
    register_reevaluation_callbacks(app)
