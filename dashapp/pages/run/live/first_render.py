"""The run page's first render, read and built once per run and event cursor.

Building the views (figures of every trial, the scatter's sample, the timeline) costs as much
as reading the snapshot; viewers of the same run at the same cursor with the same run row get
the same views, so they share them as they share the snapshot (``shared``). The caller has
checked the viewer's role on the run before asking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashapp.pages.run.live.build import InitialViews, build_views
from dashapp.pages.run.live.shared import SharedResults, shared_for
from dashapp.pages.run.live.snapshot import KEPT_RUNS, Snapshot, load_snapshot

if TYPE_CHECKING:
    from optunagui.store import Database

__all__ = ["load_first_render", "shared_views"]

Built = tuple[Snapshot, InitialViews]



def shared_views(database: Database) -> SharedResults[Built]:
    """The first renders this process keeps for ``database``'s runs."""
    return shared_for(database, "first renders", lambda: SharedResults(KEPT_RUNS))


def load_first_render(database: Database, run_id: int) -> Built | None:
    """The run's snapshot and the views built from it; None for an unknown run."""
    snapshot = load_snapshot(database, run_id)
    if snapshot is None:
        return None
    built = shared_views(database).get(run_id, snapshot.cursor,
                                       lambda: (snapshot, build_views(snapshot)))
    if built[0].run != snapshot.run:  # the run's row changed without an event: build anew
        return snapshot, build_views(snapshot)
    return built
