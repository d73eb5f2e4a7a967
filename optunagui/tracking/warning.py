"""`tracking_warning`: the one line a run page shows while a tracker is failing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from optunagui.store.tables import TrialEvent
from optunagui.store.tracking import list_tracking_states

__all__ = ["tracking_warning"]


def tracking_warning(session: Session, run_id: int) -> str | None:
    """A one-line message while one of the run's trackers fails, None when all are fine.

    Names the tracker, since when it fails, its last error, and how many events wait.
    """
    failing = [s for s in list_tracking_states(session, run_id) if s.last_error]
    if not failing:
        return None
    state = failing[0]
    waiting = session.scalar(select(func.count()).select_from(TrialEvent).where(
        TrialEvent.run_id == run_id, TrialEvent.id > (state.event_cursor or 0))) or 0
    since = f" since {state.error_since:%Y-%m-%d %H:%M} UTC" if state.error_since else ""
    more = f" (and {len(failing) - 1} more tracker)" if len(failing) > 1 else ""
    return (f"Tracker logging is failing{since}: {state.last_error}; {waiting} events wait "
            f"and will be logged when it answers again{more}.")
