from __future__ import annotations

import pytest

from optunagui.models import list_models
from optunagui.spec import ParamSpec

PRESETS = [(m.name, p) for m in list_models() for p in m.presets]
KEYS = {"type", "low", "high", "log", "step", "choices", "value", "when"}


def test_every_model_has_default_and_another_preset():
    for model in list_models():
        assert "default" in model.presets
        assert len(model.presets) >= 2, model.name
        assert set(model.presets) <= {"default", "fast", "wide"}


@pytest.mark.parametrize(("model", "preset"), PRESETS)
def test_preset_entries_are_well_formed(model, preset):
    from optunagui.models import get_model

    space = get_model(model).presets[preset]
    assert space
    for name, spec in space.items():
        assert isinstance(spec, dict) and set(spec) <= KEYS, name
        kind = spec["type"]
        if kind in ("float", "int"):
            assert spec["low"] < spec["high"], name
            if spec.get("log"):
                assert spec["low"] > 0, name
                assert not spec.get("step"), name
            if kind == "int":
                assert isinstance(spec["low"], int) and isinstance(spec["high"], int), name
        elif kind == "categorical":
            assert len(spec["choices"]) >= 1, name
        else:
            assert kind == "fixed" and "value" in spec, name
        for parent, allowed in (spec.get("when") or {}).items():
            assert parent in space, f"{name}: unknown parent {parent}"
            parent_spec = space[parent]
            possible = parent_spec.get("choices") or [parent_spec.get("value")]
            assert set(allowed) <= set(possible), f"{name}: {allowed} not in {possible}"


@pytest.mark.parametrize(("model", "preset"), PRESETS)
def test_preset_entries_validate_as_param_specs(model, preset):
    from optunagui.models import get_model

    for name, spec in get_model(model).presets[preset].items():
        assert ParamSpec.model_validate(spec).type == spec["type"], name


def test_mlp_momentum_exists_only_with_sgd():
    from optunagui.models import get_model

    presets = get_model("mlp").presets
    assert presets["default"]["batch_size"]["choices"] == [16, 32, 64, 128]
    assert presets["default"]["optimizer"]["choices"] == ["adam", "adamw", "sgd"]
    for space in presets.values():
        assert space["momentum"]["when"] == {"optimizer": ["sgd"]}
        assert "sgd" in space["optimizer"]["choices"]
        assert set(space["batch_size"]["choices"]) <= {16, 32, 64, 128}
        assert space["learning_rate"]["log"] is True
