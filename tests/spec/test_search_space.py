from __future__ import annotations

import optuna
import pytest

from optunagui.models import list_models
from optunagui.spec.space import ordered_names, resolve_space, space_from_dict, suggest
from optunagui.spec.validation import validate_spec

optuna.logging.set_verbosity(optuna.logging.WARNING)


def sample(space, n_trials=30, seed=0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    seen = []
    for _ in range(n_trials):
        trial = study.ask()
        seen.append(suggest(trial, space))
        study.tell(trial, 0.0)
    return seen


def test_suggest_asks_conditional_parameters_only_when_their_parent_matches():
    space = space_from_dict({
        "momentum": {"type": "float", "low": 0.0, "high": 0.99, "when": {"optimizer": ["sgd"]}},
        "optimizer": {"type": "categorical", "choices": ["adam", "sgd"]},
        "epochs": {"type": "fixed", "value": 5},
    })
    for params in sample(space):
        assert params["epochs"] == 5
        assert ("momentum" in params) == (params["optimizer"] == "sgd")
        if "momentum" in params:
            assert 0.0 <= params["momentum"] <= 0.99


def test_suggest_respects_ranges_steps_and_log_scale():
    space = space_from_dict({
        "n": {"type": "int", "low": 10, "high": 100, "step": 10},
        "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    })
    for params in sample(space):
        assert params["n"] % 10 == 0 and 10 <= params["n"] <= 100
        assert 1e-4 <= params["lr"] <= 1e-1


def test_ordered_names_rejects_a_cycle():
    space = space_from_dict({
        "a": {"type": "categorical", "choices": [1, 2], "when": {"b": [1]}},
        "b": {"type": "categorical", "choices": [1, 2], "when": {"a": [1]}},
    })
    with pytest.raises(ValueError, match="cycle"):
        ordered_names(space)


@pytest.mark.parametrize("model", [m.name for m in list_models()])
def test_every_preset_produces_a_valid_optuna_search_space(model):
    model_def = next(m for m in list_models() if m.name == model)
    task = sorted(model_def.tasks)[0]
    builtin = "breast_cancer" if task == "classification" else "diabetes"
    for preset in model_def.presets:
        spec = validate_spec({"name": "p", "dataset": {"builtin": builtin}, "task": task,
                              "model": model, "preset": preset})
        space = resolve_space(spec)
        for params in sample(space, n_trials=8):
            assert set(params) <= set(space)
            for name, value in params.items():
                assert space[name].contains(value), (preset, name, value)
            model_def.build(params, task)
