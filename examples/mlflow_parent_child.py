"""Tune a PyTorch MLP on the built-in digits with OptunaGui, logged to MLflow as one parent
run with a child run per trial.

The objective is plain Optuna (the one of ``mlp_objective.py``: suggest, train, report the
validation accuracy each epoch, prune); it never imports MLflow. OptunaGui's driver logs the
run from its event stream, off the trials' path:

- the parent run: the spec as params and as ``optunagui/spec.json``, ``best_accuracy`` each
  time it improves, the best trial and params as tags, a link back to the run page;
- a child run per trial (``mlflow.parentRunId`` set, so the MLflow UI nests it): its params,
  ``accuracy`` at every epoch (the epoch as the step), its state (complete / pruned /
  failed) and duration as tags.

With an MLflow server running (``mlflow server --port 5000``):

    python examples/mlflow_parent_child.py --mlflow-uri http://127.0.0.1:5000 --n-trials 20

It runs ``optunagui run mlflow_parent_child.py:objective --mlflow-uri ...``, then reads the
parent and its children back from MLflow and prints them.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
import torch
from mlp_objective import accuracy, build_mlp, count_params, digits_split, train_epoch

EPOCHS = 8
SEED = 0
EXPERIMENT = "digits-mlp"


def objective(trial: optuna.Trial) -> float:
    """Validation accuracy of one MLP (maximize), reported after every epoch."""
    torch.set_num_threads(1)
    torch.manual_seed(SEED + trial.number)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    hidden = trial.suggest_int("hidden", 16, 128, log=True)
    n_layers = trial.suggest_int("n_layers", 1, 3)
    dropout = trial.suggest_float("dropout", 0.0, 0.4)
    x_train, y_train, x_val, y_val = digits_split()
    model = build_mlp(n_layers, hidden, dropout)
    trial.set_user_attr("n_params", count_params(model))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(SEED + trial.number)
    val_accuracy = 0.0
    for epoch in range(1, EPOCHS + 1):
        train_epoch(model, optimizer, x_train, y_train, generator)
        val_accuracy = accuracy(model, x_val, y_val)
        trial.report(val_accuracy, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return val_accuracy


def describe(tracking_uri: str, experiment: str) -> dict[str, Any]:
    """The newest parent run of `experiment` and its children, as MLflow holds them."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise SystemExit(f"no MLflow experiment {experiment!r} at {tracking_uri}")
    runs = client.search_runs([found.experiment_id], order_by=["attributes.start_time DESC"])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    if not parents:
        raise SystemExit(f"no parent run in MLflow experiment {experiment!r}")
    parent = parents[0]
    children = sorted((r for r in runs
                       if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id),
                      key=lambda r: int(r.data.tags["optunagui.trial_number"]))
    return {
        "parent": parent.info.run_id,
        "run_page": parent.data.tags.get("optunagui.run_url"),
        "best_trial": parent.data.tags.get("optunagui.best_trial"),
        "best_accuracy": parent.data.metrics.get("best_accuracy"),
        "children": [{
            "trial": int(r.data.tags["optunagui.trial_number"]),
            "state": r.data.tags.get("optunagui.state"),
            "accuracy": r.data.metrics.get("accuracy"),
            "epochs": len(client.get_metric_history(r.info.run_id, "accuracy")),
            "params": dict(r.data.params),
        } for r in children],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlflow-uri", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--mlflow-experiment", default=EXPERIMENT)
    parser.add_argument("--n-trials", type=int, default=20)
    args = parser.parse_args(argv)
    from optunagui.cli import main as optunagui

    code = optunagui([
        "run", f"{Path(__file__).resolve().parent / 'mlflow_parent_child.py'}:objective",
        "--direction", "maximize", "--metrics", "accuracy", "--pruner", "median",
        "--n-trials", str(args.n_trials), "--mlflow-uri", args.mlflow_uri,
        "--mlflow-experiment", args.mlflow_experiment,
    ])
    if code != 0:
        return code
    summary = describe(args.mlflow_uri, args.mlflow_experiment)
    print(f"MLflow parent run {summary['parent']} (back to {summary['run_page']}): "
          f"best accuracy {summary['best_accuracy']} in trial {summary['best_trial']}")
    for child in summary["children"]:
        print(f"  trial {child['trial']:>3} {child['state']:<8} accuracy {child['accuracy']} "
              f"after {child['epochs']} epochs  {child['params']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
