"""What the run page says of an attached study (where it lives, password hidden; that its own
code runs it; how the follower is doing) and of a tracker it cannot write to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import html

from dashapp import components, services
from dashapp.pages.run.live.header import format_duration
from optunagui.store import get_attached
from optunagui.tracking import tracking_warning

__all__ = ["attached_note", "tracker_note"]


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_duration((datetime.now(UTC) - moment).total_seconds()) + " ago"


def attached_note(run_id: int) -> list[Any]:
    """The attached study's lines for the run's header; [] for any other run."""
    with services.database().read_session() as session:
        row = get_attached(session, run_id)
        if row is None:
            return []
        study, shown, following = row.study_name, row.storage_shown, row.following
        polled, error, since = row.last_poll_at, row.last_error, row.error_since
        mirrored = row.mirrored_trials
    lines: list[Any] = [html.Div(
        [components.attached_badge(id="run-attached-badge"), " ",
         f"Study {study!r} in {shown} is run by its own code: pause, stop and ranges belong "
         "to that code. The product only reads it."],
        className="small mb-1", id="run-attached-note")]
    state = (f"Followed: {mirrored} trials mirrored, last read {_ago(polled)}."
             if following else f"Not followed any more: {mirrored} trials mirrored.")
    lines.append(html.Div(state, className="small text-muted mb-2", id="run-attached-follow"))
    if error and following:
        lines.append(components.message(
            f"Cannot read the study since {_ago(since)}: {error}. The follower tries again; "
            "nothing already mirrored is lost.", "warning", id="run-attached-error"))
    return lines


def tracker_note(run_id: int) -> list[Any]:
    """A warning while one of the run's trackers (MLflow, W&B) cannot be written to."""
    with services.database().read_session() as session:
        warning = tracking_warning(session, run_id)
    if warning is None:
        return []
    return [components.message(warning, "warning", id="run-tracker-warning")]
