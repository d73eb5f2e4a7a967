"""Live views of a run: store rows and events in, small records out, then figures and patches.

Compute, then draw: ``snapshot`` and ``reads`` read the store (a snapshot once, then only new
events), ``records``/``state`` hold plain data, each view module (``history``, ``curves``,
``scatter``, ``timeline``, ``grid``) turns records into figure data or ``dash.Patch``
operations and ``header`` into components; ``build`` makes the first render and ``stream``
computes one poll.
"""

from dashapp.pages.run.live.build import InitialViews, build_scatter, build_views, load_scatter
from dashapp.pages.run.live.reads import Tick, load_run_info, load_tick
from dashapp.pages.run.live.snapshot import Snapshot, load_snapshot
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.stream import Changes, advance, is_done

__all__ = [
    "Changes",
    "InitialViews",
    "LiveState",
    "Snapshot",
    "Tick",
    "advance",
    "build_scatter",
    "build_views",
    "is_done",
    "load_scatter",
    "load_run_info",
    "load_snapshot",
    "load_tick",
]
