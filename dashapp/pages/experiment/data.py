"""The experiment page's Data card: which data each run read.

For every dataset name the experiment's runs used, its versions (short hash, size, who added
it, when) and which of the experiment's runs read which version; built-in datasets by name and
options. A version is listed when a run of this experiment used it or the reader uploaded it
themselves (the rule of ``accessible_version``): other experiments' runs and uploads stay out.
Editors get "New run with this version" on each earlier version: the wizard, pre-filled from
the newest run that used it (or the newest run of that data) with the version swapped in; the
wizard builds runs of built-in models, so it never starts from a run of the user's own code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from sqlalchemy import select

from dashapp import components, guard, services
from dashapp.code_runs import has_builtin_model
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.pages.new_run.wizard.upload import may_use_version
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.formatting import human_size
from optunagui.store.datasets import RunUse, VersionUsage, list_experiment_versions
from optunagui.store.tables import Run

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["DataUsage", "data_card", "list_data_usage", "new_run_href", "register_data_card",
           "render_data_usage", "show_data"]


@dataclass(frozen=True)
class NamedData:
    """A dataset name: the versions the reader may see, and where a new run starts from."""

    name: str
    versions: list[VersionUsage]
    start_run_id: int | None  # the newest run of the experiment that read this name


@dataclass(frozen=True)
class OtherData:
    """A built-in dataset (with its options) or a file without a stored version."""

    label: str
    options: str
    runs: list[RunUse] = field(default_factory=list)


@dataclass(frozen=True)
class DataUsage:
    experiment_id: int
    files: list[NamedData]
    others: list[OtherData]
    newest_run_id: int | None  # the newest run the wizard can start from
    code_run_ids: frozenset[int] = frozenset()  # runs of the user's own code


def _options_text(options: Any) -> str:
    if not isinstance(options, Mapping) or not options:
        return "default options"
    return ", ".join(f"{key}={options[key]}" for key in sorted(options, key=str))


def list_data_usage(session: Session, experiment_id: int, user_id: int | None) -> DataUsage:
    """What the experiment's runs read, as this user may see it."""
    runs = session.execute(
        select(Run.id, Run.name, Run.experiment_id, Run.status, Run.created_at, Run.spec,
               Run.dataset_version_id)
        .where(Run.experiment_id == experiment_id).order_by(Run.id.desc())
    ).all()
    grouped = list_experiment_versions(session, experiment_id)
    code = frozenset(run.id for run in runs if not has_builtin_model(run.spec))
    others: dict[tuple[str, str], OtherData] = {}
    for run in runs:
        if run.dataset_version_id is not None:
            continue
        dataset = run.spec.get("dataset") if isinstance(run.spec, Mapping) else None
        dataset = dataset if isinstance(dataset, Mapping) else {}
        if dataset.get("builtin"):
            key = (f"{dataset['builtin']} (built-in)", _options_text(dataset.get("options")))
        elif dataset.get("path"):
            key = (f"{PurePath(str(dataset['path'])).name} (file, no stored version)", "")
        else:
            continue
        others.setdefault(key, OtherData(*key)).runs.append(
            RunUse(run.id, run.name, run.experiment_id, run.status, run.created_at))
    files = []
    for name, versions in grouped.items():
        visible = [v for v in versions if may_use_version(v.added_by, bool(v.runs), user_id)]
        starts = [run.run_id for v in visible for run in v.runs if run.run_id not in code]
        files.append(NamedData(name, visible, max(starts) if starts else None))
    newest = next((run.id for run in runs if run.id not in code), None)
    return DataUsage(experiment_id, files, list(others.values()), newest, code)


def new_run_href(usage: DataUsage, named: NamedData, version: VersionUsage) -> str:
    """The wizard with this version: cloned from the newest run that read it, or else from the
    newest run that read this name (or of the experiment), with the version swapped in."""
    used = [run.run_id for run in version.runs if run.run_id not in usage.code_run_ids]
    start = used[0] if used else (named.start_run_id or usage.newest_run_id)
    base = f"/experiments/{usage.experiment_id}/new-run?"
    return app_path(base + (f"clone={start}&" if start is not None else "")
                    + f"version={version.id}")


def _run_links(runs: list[RunUse]) -> Any:
    if not runs:
        return html.Span("no run here", className="text-muted")
    links: list[Any] = []
    for run in runs:
        if links:
            links.append(", ")
        links.append(dcc.Link(f"#{run.run_id} {run.name}", href=app_path(f"/runs/{run.run_id}")))
        links.append(html.Span(f" ({run.status})", className="text-muted"))
    return html.Span(links)


def _named_table(usage: DataUsage, named: NamedData, can_edit: bool) -> list[Any]:
    headers = ["Version", "Rows × columns", "Size", "Added by", "Added", "Runs"]
    if can_edit:
        headers.append("")
    rows = []
    for index, version in enumerate(named.versions):
        label = [html.Code(version.short_hash)]
        if index == 0:
            label.append(dbc.Badge("newest", color="secondary", class_name="ms-2"))
        row: list[Any] = [
            html.Span(label),
            f"{version.n_rows} × {version.n_columns}",
            human_size(version.size_bytes),
            version.added_by_name or "unknown",
            components.format_time(version.created_at),
            _run_links(list(version.runs)),
        ]
        if can_edit:
            row.append(_new_run_link(usage, named, version) if index > 0 else "")
        rows.append(row)
    return [html.H6(named.name, className="mt-2"), components.table(headers, rows)]


def _new_run_link(usage: DataUsage, named: NamedData, version: VersionUsage) -> dcc.Link:
    return dcc.Link("New run with this version", href=new_run_href(usage, named, version),
                    id={"type": ids.data_new_run, "version": version.id},
                    className="btn btn-sm btn-outline-primary")


def render_data_usage(usage: DataUsage, can_edit: bool) -> list[Any]:
    if not usage.files and not usage.others:
        return [components.empty_note("No run of this experiment has read any data yet.")]
    body: list[Any] = []
    for named in usage.files:
        body.extend(_named_table(usage, named, can_edit))
    if usage.others:
        rows = [[other.label, other.options, _run_links(other.runs)] for other in usage.others]
        body.extend([html.H6("Other data", className="mt-2"),
                     components.table(["Dataset", "Options", "Runs"], rows)])
    return body


def data_card() -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader("Data"), dbc.CardBody(html.Div(id=ids.data))],
        id=ids.data_card,
        class_name="mb-3",
    )


def show_data(access: Access, refresh: Any, poll: Any, experiment_id: Any) -> Any:
    with services.database().session() as session:
        usage = list_data_usage(session, access.experiment_id, access.principal.user_id)
    can_edit = access.holds(Role.editor)
    return render_data_usage(usage, can_edit)


def register_data_card(app: dash.Dash) -> None:
    """Readers of the experiment see the card; others get no update at all."""
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=Output(ids.data, "children"),
        inputs={"refresh": Input(ids.refresh, "data"), "poll": Input(ids.poll, "n_intervals")},
        state={"experiment_id": State(ids.experiment, "data")},
    )(show_data)
