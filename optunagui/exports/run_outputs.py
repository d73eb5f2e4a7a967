"""What a finished run leaves in its folder of the data directory, written without asking.

The files people write at the end of their own tuning scripts: the optimization history,
parameter importances and parallel coordinates as interactive HTML (sharing one
``plotly.min.js`` beside them), and ``best_params.json``.
A file that cannot be made for this run (no complete trial, no tuned parameter) is left out,
with the reason in the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from optunagui import analysis
from optunagui.exports.run_files import ExportError, best_params_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["RunOutputs", "run_outputs_dir", "write_run_outputs"]

HISTORY = "optimization_history.html"
IMPORTANCES = "param_importances.html"
PARALLEL = "parallel_coordinate.html"
BEST_PARAMS = "best_params.json"


@dataclass
class RunOutputs:
    folder: Path
    written: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file name -> why it is not there


def run_outputs_dir(runs_dir: Path, run_id: int) -> Path:
    return runs_dir / str(run_id)


def write_run_outputs(session: Session, run_id: int, runs_dir: Path) -> RunOutputs:
    """Writes the run's end-of-run files into ``runs_dir/<run_id>/`` (overwriting older ones)."""
    outputs = RunOutputs(run_outputs_dir(runs_dir, run_id))
    outputs.folder.mkdir(parents=True, exist_ok=True)
    try:
        text = best_params_json(session, run_id)
    except ExportError as error:
        outputs.skipped[BEST_PARAMS] = str(error)
    else:
        path = outputs.folder / BEST_PARAMS
        path.write_text(text)
        outputs.written.append(path)
    frame = analysis.load_frame(session, run_id, attrs=False)
    metric = frame.metric_names[0]
    complete = frame.complete(metric).size
    if not complete:
        for name in (HISTORY, IMPORTANCES, PARALLEL):
            outputs.skipped[name] = "no complete trial"
        return outputs
    _figure(outputs, HISTORY, analysis.plot_convergence(frame, objective=metric),
            f"Optimization history: {metric}")
    if not frame.params:
        outputs.skipped[IMPORTANCES] = outputs.skipped[PARALLEL] = "no tuned parameter"
        return outputs
    if complete < 2:
        outputs.skipped[IMPORTANCES] = "importance needs at least two complete trials"
    else:
        _figure(outputs, IMPORTANCES,
                analysis.plot_importance(frame, objective=metric, method="ped_anova",
                                         run_id=run_id),
                f"Parameter importances: {metric}")
    _figure(outputs, PARALLEL, analysis.plot_parallel(frame, objective=metric),
            f"Parallel coordinates: {metric}")
    return outputs


def _figure(outputs: RunOutputs, name: str, figure: go.Figure, title: str) -> None:
    path = outputs.folder / name
    analysis.to_html(figure, path, title=title, shared_plotlyjs=True)
    outputs.written.append(path)
