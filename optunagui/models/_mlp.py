"""The PyTorch MLP family (``device="cuda"`` trains on the GPU).

Ranges follow common deep-learning tuning practice: Bengio, "Practical recommendations for
gradient-based training of deep architectures" (2012) for a log-scale learning rate
1e-4..1e-1 and mini-batches 16..128, Optuna's ``examples/pytorch/pytorch_simple.py``
(n_layers 1..3, units 4..128 log, dropout 0.2..0.5, optimizer choice, lr 1e-5..1e-1 log),
and the Google Research "Deep Learning Tuning Playbook" (tune weight decay on a log scale;
momentum only matters for SGD, so it exists only with ``optimizer="sgd"``).
See :mod:`optunagui.models._torch_mlp` for the estimator and its early stopping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._base import (
    ModelDef,
    categorical_param,
    check_task,
    fixed_param,
    float_param,
    freeze_presets,
    int_param,
)

if TYPE_CHECKING:
    from ._torch_mlp import TorchMLPClassifier, TorchMLPRegressor

NAME = "mlp"
TASKS = frozenset({"classification", "regression"})

PRESETS = {
    "default": {
        "n_layers": int_param(1, 3),
        "units": int_param(16, 256, log=True),
        "activation": categorical_param(["relu", "tanh", "gelu"]),
        "dropout": float_param(0.0, 0.5),
        "optimizer": categorical_param(["adam", "adamw", "sgd"]),
        "learning_rate": float_param(1e-4, 1e-1, log=True),
        "weight_decay": float_param(1e-6, 1e-2, log=True),
        "momentum": float_param(0.0, 0.99, when={"optimizer": ["sgd"]}),
        "batch_size": categorical_param([16, 32, 64, 128]),
        "epochs": fixed_param(100),
        "patience": fixed_param(10),
    },
    "fast": {
        "n_layers": int_param(1, 2),
        "units": int_param(16, 128, log=True),
        "activation": categorical_param(["relu", "tanh"]),
        "dropout": float_param(0.0, 0.3),
        "optimizer": categorical_param(["adam", "sgd"]),
        "learning_rate": float_param(1e-3, 1e-1, log=True),
        "momentum": float_param(0.5, 0.99, when={"optimizer": ["sgd"]}),
        "batch_size": categorical_param([32, 64, 128]),
        "epochs": fixed_param(30),
        "patience": fixed_param(5),
    },
    "wide": {
        "n_layers": int_param(1, 4),
        "units": int_param(8, 512, log=True),
        "activation": categorical_param(["relu", "tanh", "gelu", "silu"]),
        "dropout": float_param(0.0, 0.6),
        "optimizer": categorical_param(["adam", "adamw", "sgd"]),
        "learning_rate": float_param(1e-5, 3e-1, log=True),
        "weight_decay": float_param(1e-8, 1e-1, log=True),
        "momentum": float_param(0.0, 0.99, when={"optimizer": ["sgd"]}),
        "batch_size": categorical_param([16, 32, 64, 128]),
        "epochs": int_param(20, 300, step=10),
        "patience": int_param(5, 30),
    },
}


def build(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> TorchMLPClassifier | TorchMLPRegressor:
    """A fresh TorchMLPClassifier / TorchMLPRegressor on ``device`` (torch device string).

    Unknown parameter names raise ``ValueError`` (from ``set_params``).
    """
    from ._torch_mlp import TorchMLPClassifier, TorchMLPRegressor

    check_task(NAME, TASKS, task)
    cls = TorchMLPClassifier if task == "classification" else TorchMLPRegressor
    estimator = cls(device=device, n_jobs=n_jobs, random_state=seed)
    return estimator.set_params(**params)


def fit_steps(estimator: TorchMLPClassifier | TorchMLPRegressor, X: Any, y: Any) -> Iterator[int]:
    """One step per epoch; stops early on ``patience`` (see the estimator's docs)."""
    return estimator.fit_epochs(X, y)


MODEL = ModelDef(
    name=NAME,
    label="Neural network (MLP)",
    tasks=TASKS,
    presets=freeze_presets(PRESETS),
    needs_scaling=True,
    gpu_capable=True,
    build=build,
    fit_steps=fit_steps,
)
