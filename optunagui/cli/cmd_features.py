"""`optunagui features recommend RUN_ID` and `optunagui features ablate RUN_ID`: which input
columns a run could do without (each with its evidence), and a test of dropping them.

`recommend` refits the run's best trials per fold (``optunagui.analysis.recommend_features``);
with `--experiment ID` instead of a run, the experiment's runs on one dataset are joined.
`ablate` re-evaluates the best configuration with and without `--drop` columns (by default
the recommended ones) on paired folds and prints the verdict. Locally both work on the
database; with `--server URL` the server computes them (its API's feature endpoints) and the
command waits for the answer.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from optunagui.cli._remote import remote
from optunagui.cli._runs import CliError

__all__ = ["register"]

REMOTE_WAIT_S = 600.0
POLL_S = 1.0


def register(subparsers: argparse._SubParsersAction) -> None:
    features = subparsers.add_parser(
        "features", help="feature-selection recommendations for a run or an experiment, and "
                         "a test of dropping columns")
    actions = features.add_subparsers(dest="features_command", metavar="ACTION", required=True)
    recommend = actions.add_parser(
        "recommend", help="the input columns the best trials could do without, with evidence")
    recommend.add_argument("run_id", type=int, nargs="?", metavar="RUN_ID")
    recommend.add_argument("--experiment", type=int, metavar="ID",
                           help="join the experiment's runs on one dataset instead")
    recommend.add_argument("--json", action="store_true", help="print one JSON object")
    recommend.set_defaults(handler=_recommend)
    ablate = actions.add_parser(
        "ablate", help="re-evaluate the best configuration with and without columns")
    ablate.add_argument("run_id", type=int, metavar="RUN_ID")
    ablate.add_argument("--drop", nargs="+", metavar="COLUMN",
                        help="the columns to leave out (default: the recommended ones)")
    ablate.add_argument("--seeds", type=int, default=2, metavar="N",
                        help="seeds of the run's split, 2 to 10 (default 2)")
    ablate.add_argument("--json", action="store_true", help="print one JSON object")
    ablate.set_defaults(handler=_ablate)


def _interval(value: dict[str, Any]) -> str:
    return f"{value['mean']:+.4g} [{value['low']:+.4g}, {value['high']:+.4g}]"


def _print_run(document: dict[str, Any]) -> None:
    print(document["summary"])
    width = max([len(c["column"]) for c in document["columns"]] + [6])
    print(f"  {'column':<{width}}  {'verdict':<10}  effect of dropping ({document['metric']}, "
          "95% CI)")
    for column in document["columns"]:
        print(f"  {column['column']:<{width}}  {column['verdict']:<10}  "
              f"{_interval(column['effect'])}")
        if column["verdict"] != "keep":
            print(f"  {'':<{width}}  {column['reason']}")


def _print_experiment(document: dict[str, Any]) -> None:
    print(document["summary"])
    for column in document["columns"]:
        runs = len(column["verdicts"])
        mark = "drop" if column["flagged"] else "keep"
        print(f"  {column['column']}: {mark} (flagged in {len(column['flagged_in'])} of {runs} "
              f"runs; mean effect {column['effect']:+.4g})")
    for label, why in document["left_out"].items():
        print(f"  left out {label}: {why}")


def _local_run(run_id: int) -> dict[str, Any]:
    from optunagui.analysis import FeatureSelectionError, load_run_to_check, recommend_features
    from optunagui.cli._runs import open_database
    from optunagui.config import load_settings

    settings = load_settings()
    try:
        with open_database(settings) as database, database.session() as session:
            run = load_run_to_check(session, run_id)
        return recommend_features(run.spec, run.trials, settings, run_id=run_id).to_dict()
    except FeatureSelectionError as error:
        raise CliError(str(error)) from None


def _local_experiment(experiment_id: int) -> dict[str, Any]:
    from optunagui.analysis import (
        FeatureSelectionError,
        list_runs_to_check,
        recommend_for_experiment,
    )
    from optunagui.cli._runs import open_database
    from optunagui.config import load_settings
    from optunagui.store import get_experiment

    settings = load_settings()
    try:
        with open_database(settings) as database, database.session() as session:
            if get_experiment(session, experiment_id) is None:
                raise CliError(f"experiment {experiment_id} does not exist")
            runs, left_out = list_runs_to_check(session, experiment_id)
        return recommend_for_experiment(runs, settings, experiment_id=experiment_id,
                                        left_out=left_out).to_dict()
    except FeatureSelectionError as error:
        raise CliError(str(error)) from None


def _wait(start: Any, poll: Any) -> dict[str, Any]:
    """Start the server's job, then poll until it has an outcome."""
    from optunagui.client import ApiError

    try:
        answer = start()
        deadline = time.monotonic() + REMOTE_WAIT_S
        while answer["status"] in ("running", "busy") and time.monotonic() < deadline:
            time.sleep(POLL_S)
            answer = poll() if answer["status"] == "running" else start()
    except ApiError as error:
        raise CliError(str(error)) from None
    if answer["status"] != "done":
        raise CliError(str(answer["message"]))
    return dict(answer["result"])


def _recommend(args: argparse.Namespace) -> int:
    if (args.run_id is None) == (args.experiment is None):
        raise CliError("features recommend: give a RUN_ID or --experiment ID (one of them)")
    client = remote(args)
    if args.experiment is not None:
        experiment = args.experiment
        document = (_wait(lambda: client.start_experiment_feature_recommendations(experiment),
                          lambda: client.experiment_feature_recommendations(experiment))
                    if client is not None else _local_experiment(experiment))
    else:
        run_id = args.run_id
        document = (_wait(lambda: client.start_feature_recommendations(run_id),
                          lambda: client.feature_recommendations(run_id))
                    if client is not None else _local_run(run_id))
    if args.json:
        print(json.dumps(document))
    elif args.experiment is not None:
        _print_experiment(document)
    else:
        _print_run(document)
    return 0


def _local_ablation(run_id: int, drop: list[str] | None, seeds: int) -> dict[str, Any]:
    from optunagui.analysis import (
        FeatureSelectionError,
        ablate_features,
        load_run_to_check,
        recommend_features,
    )
    from optunagui.cli._runs import open_database
    from optunagui.config import load_settings

    settings = load_settings()
    try:
        with open_database(settings) as database, database.session() as session:
            run = load_run_to_check(session, run_id)
        if drop is None:
            drop = recommend_features(run.spec, run.trials, settings, run_id=run_id).drop
            if not drop:
                raise CliError(f"run {run_id}: no column is recommended for dropping; name "
                               "some with --drop")
        return ablate_features(run.spec, run.trials[0], drop, settings, run_id=run_id,
                               n_seeds=seeds).to_dict()
    except FeatureSelectionError as error:
        raise CliError(str(error)) from None


def _ablate(args: argparse.Namespace) -> int:
    client = remote(args)
    run_id, drop, seeds = args.run_id, args.drop, args.seeds
    if client is not None:
        if drop is None:
            drop = _wait(lambda: client.start_feature_recommendations(run_id),
                         lambda: client.feature_recommendations(run_id))["drop"]
            if not drop:
                raise CliError(f"run {run_id}: no column is recommended for dropping; name "
                               "some with --drop")
        document = _wait(lambda: client.start_feature_ablation(run_id, drop, n_seeds=seeds),
                         lambda: client.feature_ablation(run_id))
    else:
        document = _local_ablation(run_id, drop, seeds)
    if args.json:
        print(json.dumps(document))
        return 0
    print(document["verdict"])
    print(f"  all columns: {sum(document['with_all']) / len(document['with_all']):.4g} "
          f"{document['metric']}; without: "
          f"{sum(document['without']) / len(document['without']):.4g} "
          f"(trial {document['trial_number']}, {document['n_seeds']} seeds x "
          f"{document['folds_per_seed']} folds)")
    return 0
