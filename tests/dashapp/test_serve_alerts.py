"""`optunagui serve` evaluates alert rules in the background, with nobody looking."""

from __future__ import annotations

import time

import pytest

from optunagui.alerts import create_rule, list_inbox
from optunagui.cli import main
from optunagui.store import (
    append_events,
    create_experiment,
    create_run,
    create_user,
)

SPEC = {"metrics": [{"name": "roc_auc", "direction": "maximize"}]}


@pytest.fixture
def loops(monkeypatch):
    """The alert loops `serve` starts (stopped afterwards), and a server that returns at once."""
    import waitress

    import optunagui.alerts as alerts

    started: list = []
    real_start = alerts.start_alert_loop

    def start(db, **kwargs):
        started.append(real_start(db, **kwargs))
        return started[-1]

    monkeypatch.setattr(alerts, "start_alert_loop", start)
    monkeypatch.setattr(waitress, "serve", lambda app, **options: None)
    yield started
    for loop in started:
        loop.stop()


def _rule_and_trigger(db):
    with db.session() as session:
        owner = create_user(session, "olivia", "hash")
        experiment = create_experiment(session, "iris", owner.id)
        run = create_run(session, experiment.id, "run 1", SPEC, created_by=owner.id)
        create_rule(session, experiment.id, name="auc", kind="metric_threshold",
                    params={"metric": "roc_auc", "op": ">", "value": 0.97},
                    created_by=owner.id)
    with db.session() as session:
        append_events(session, run.id, [{"kind": "completed", "trial_number": 0,
                                         "metrics": {"roc_auc": 0.99}}])
    return owner


def test_serve_starts_the_alert_evaluator(tmp_settings, cli_db, loops, monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_ADMIN_PASSWORD", "a long enough password")
    owner = _rule_and_trigger(cli_db)
    assert main(["serve", "--no-follower"]) == 0
    assert len(loops) == 1
    deadline = time.monotonic() + 20
    inbox: list = []
    while time.monotonic() < deadline and not inbox:
        with cli_db.session() as session:
            inbox = list_inbox(session, owner.id)
        time.sleep(0.2)
    assert [entry.message for entry in inbox] and "auc" in inbox[0].message


def test_serve_without_alerts_starts_no_evaluator(tmp_settings, cli_db, loops, monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_ADMIN_PASSWORD", "a long enough password")
    assert main(["serve", "--no-follower", "--no-alerts"]) == 0
    assert loops == []
