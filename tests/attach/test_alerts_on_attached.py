"""Alert rules watch attached studies like the product's own runs: a trial the user's own code
finished in their Optuna study, mirrored by the follower, fires "roc_auc > 0.97" once."""

from __future__ import annotations

import optuna

from optunagui.alerts import AlertEvaluator, create_rule, list_inbox
from optunagui.attach import ReaderCache, attach_studies, poll_run
from optunagui.store import create_user
from optunagui.store.experiments import create_experiment
from tests.attach.conftest import Pair

optuna.logging.set_verbosity(optuna.logging.ERROR)


def test_a_rule_fires_on_a_mirrored_trial_of_an_attached_study(pair: Pair):
    study = optuna.create_study(study_name="own-code", storage=pair.external_url,
                                direction="maximize")
    study.set_metric_names(["roc_auc"])
    study.optimize(lambda trial: 0.9 + 0.01 * trial.suggest_int("k", 0, 2), n_trials=3)
    with pair.db.session() as session:
        user = create_user(session, "ada", "!")
        experiment_id = create_experiment(session, "attached", user.id).id
        create_rule(session, experiment_id, name="AUC above 0.97", kind="metric_threshold",
                    params={"metric": "roc_auc", "op": ">", "value": 0.97},
                    created_by=user.id)
    [attached] = attach_studies(pair.db, storage=pair.external_url, studies=["own-code"],
                                experiment_id=experiment_id, user_id=None,
                                database_url=pair.database_url)
    readers = ReaderCache()
    try:
        poll_run(pair.db, attached.run_id, readers)
        assert AlertEvaluator(pair.db).evaluate().fired == []  # 0.90-0.92 so far

        study.enqueue_trial({"k": 2})
        study.optimize(lambda trial: 0.98 + 0.0 * trial.suggest_int("k", 0, 2), n_trials=1)
        poll_run(pair.db, attached.run_id, readers)
        [fired] = AlertEvaluator(pair.db).evaluate().fired
        assert fired.run_id == attached.run_id and fired.trial_number == 3
        assert AlertEvaluator(pair.db).evaluate().fired == []
        poll_run(pair.db, attached.run_id, readers)
        assert AlertEvaluator(pair.db).evaluate().fired == []
    finally:
        readers.close()
    with pair.db.session() as session:
        [entry] = list_inbox(session, user.id)
    assert entry.message.startswith("AUC above 0.97: roc_auc 0.98 > 0.97 on trial 3")
