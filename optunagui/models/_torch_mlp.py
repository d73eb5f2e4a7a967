"""A PyTorch multi-layer perceptron behind the scikit-learn estimator interface.

``TorchMLPClassifier`` / ``TorchMLPRegressor`` train a stack of ``n_layers`` fully
connected hidden layers of ``units`` each (activation, then dropout) with mini-batches.

Early stopping: when the training data has at least ``MIN_VALIDATION_SAMPLES`` rows and
``validation_fraction > 0``, that fraction is held out (stratified for classification
where every class has two rows) and training stops once the validation loss has not
improved for ``patience`` epochs in a row; otherwise the training loss is watched instead.
At the end the weights of the best epoch are restored. Regression targets are standardised
internally and predictions mapped back.

Training is deterministic given ``random_state`` on the CPU: it runs under a forked torch
RNG (``torch.random.fork_rng``), so the process-wide generator is left untouched. A fitted
estimator pickles its weights as a CPU ``state_dict``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

MIN_VALIDATION_SAMPLES = 20
_PREDICT_BATCH = 8192

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}
OPTIMIZERS = ("adam", "adamw", "sgd")


def build_network(
    n_inputs: int, n_outputs: int, n_layers: int, units: int, activation: str, dropout: float
) -> nn.Sequential:
    """The MLP itself: ``n_layers`` x (Linear, activation, Dropout), then a Linear head."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {sorted(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    width = n_inputs
    for _ in range(int(n_layers)):
        layers += [nn.Linear(width, int(units)), ACTIVATIONS[activation]()]
        if dropout > 0:
            layers.append(nn.Dropout(float(dropout)))
        width = int(units)
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def resolve_device(device: str, *, warn: bool = False) -> torch.device:
    """``device`` as a torch device; CUDA falls back to the CPU when none is available."""
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        if warn:
            warnings.warn(
                f"device {device!r} requested but CUDA is not available; training on the CPU",
                RuntimeWarning,
                stacklevel=3,
            )
        return torch.device("cpu")
    return dev


@contextmanager
def _torch_threads(n_jobs: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    if n_jobs and n_jobs > 0:
        torch.set_num_threads(int(n_jobs))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class _TorchMLPBase(BaseEstimator):
    _is_classifier = False

    def __init__(
        self,
        n_layers: int = 2,
        units: int = 64,
        activation: str = "relu",
        dropout: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        momentum: float = 0.9,
        batch_size: int = 32,
        epochs: int = 100,
        patience: int = 10,
        validation_fraction: float = 0.1,
        device: str = "cpu",
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.n_layers = n_layers
        self.units = units
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- training -----------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> _TorchMLPBase:
        for _ in self.fit_epochs(X, y):
            pass
        return self

    def fit_epochs(self, X: Any, y: Any) -> Iterator[int]:
        """Train epoch by epoch, yielding the epoch number (1..) after each one.

        After each yield the estimator predicts with the current weights; once the iterator
        is exhausted the best epoch's weights are in place, exactly as after ``fit``.
        """
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=not self._is_classifier)
        self._check_params()
        targets, n_outputs = self._encode_targets(y)
        dev = resolve_device(self.device, warn=True)
        seed = int(self.random_state or 0)
        X_tr, y_tr, X_val, y_val = self._split(X, targets, seed)

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.module_ = build_network(
                X.shape[1], n_outputs, self.n_layers, self.units, self.activation, self.dropout
            ).to(dev)
            rng_state = torch.get_rng_state()
        self.device_ = str(dev)
        optimizer = self._make_optimizer(self.module_.parameters())
        loss_fn = self._loss()
        xt, yt = torch.from_numpy(X_tr).to(dev), torch.from_numpy(y_tr).to(dev)
        xv = torch.from_numpy(X_val).to(dev) if X_val is not None else None
        yv = torch.from_numpy(y_val).to(dev) if y_val is not None else None

        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] = []
        best_loss, best_state, since_best = float("inf"), None, 0
        self.best_epoch_ = 0
        for epoch in range(1, int(self.epochs) + 1):
            with _torch_threads(self.n_jobs), torch.random.fork_rng(devices=[]):
                torch.set_rng_state(rng_state)
                train_loss = self._train_epoch(xt, yt, optimizer, loss_fn)
                rng_state = torch.get_rng_state()
                watched = train_loss
                if xv is not None and yv is not None:
                    watched = self._eval_loss(xv, yv, loss_fn)
                    self.validation_loss_curve_.append(watched)
            self.loss_curve_.append(train_loss)
            self.n_epochs_ = epoch
            improved = best_state is None or watched < best_loss - 1e-12
            if improved:
                best_loss, since_best, self.best_epoch_ = watched, 0, epoch
                best_state = copy.deepcopy(self.module_.state_dict())
            else:
                since_best += 1
            yield epoch
            if not improved and since_best >= int(self.patience):
                break
        if best_state is not None:
            self.module_.load_state_dict(best_state)
        self.best_loss_ = best_loss

    def _check_params(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: {list(OPTIMIZERS)}")
        if int(self.n_layers) < 0 or int(self.units) < 1:
            raise ValueError("n_layers must be >= 0 and units >= 1")
        if int(self.batch_size) < 1 or int(self.epochs) < 1:
            raise ValueError("batch_size and epochs must be >= 1")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def _split(
        self, X: np.ndarray, y: np.ndarray, seed: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        frac = float(self.validation_fraction or 0.0)
        if frac <= 0 or len(X) < MIN_VALIDATION_SAMPLES:
            return X, y, None, None
        stratify = None
        if self._is_classifier:
            counts = np.bincount(y)
            if counts.min(initial=0) >= 2 and round(frac * len(y)) >= len(counts):
                stratify = y
        X_tr, X_val, y_tr, y_val = train_test_split(
            X, y, test_size=frac, random_state=seed, stratify=stratify
        )
        return X_tr, y_tr, X_val, y_val

    def _make_optimizer(self, parameters: Any) -> torch.optim.Optimizer:
        lr, wd = float(self.learning_rate), float(self.weight_decay or 0.0)
        if self.optimizer == "adam":
            return torch.optim.Adam(parameters, lr=lr, weight_decay=wd)
        if self.optimizer == "adamw":
            return torch.optim.AdamW(parameters, lr=lr, weight_decay=wd)
        return torch.optim.SGD(parameters, lr=lr, weight_decay=wd, momentum=float(self.momentum))

    def _train_epoch(
        self, xt: torch.Tensor, yt: torch.Tensor, optimizer: torch.optim.Optimizer, loss_fn: Any
    ) -> float:
        self.module_.train()
        n, batch = len(xt), int(self.batch_size)
        order = torch.randperm(n).to(xt.device)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(self._forward(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(idx)
        return total / n

    @torch.no_grad()
    def _eval_loss(self, xv: torch.Tensor, yv: torch.Tensor, loss_fn: Any) -> float:
        self.module_.eval()
        return float(loss_fn(self._forward(xv), yv))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module_(x)

    @torch.no_grad()
    def _raw_predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        self.module_.eval()
        dev = next(self.module_.parameters()).device
        parts = [
            self.module_(torch.from_numpy(X[i : i + _PREDICT_BATCH]).to(dev)).cpu().numpy()
            for i in range(0, len(X), _PREDICT_BATCH)
        ]
        return np.concatenate(parts) if parts else np.empty((0, self.n_outputs_), np.float32)

    # -- pickling: weights travel as a CPU state_dict -------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: object's is the live __dict__
        module = state.pop("module_", None)
        if module is not None:
            state["_module_state"] = {k: v.detach().cpu() for k, v in module.state_dict().items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        weights = state.pop("_module_state", None)
        super().__setstate__(state)
        if weights is not None:
            dev = resolve_device(state.get("device_", "cpu"))
            module = build_network(
                self.n_features_in_, self.n_outputs_, self.n_layers, self.units,
                self.activation, self.dropout,
            )
            module.load_state_dict(weights)
            self.module_ = module.to(dev)
            self.device_ = str(dev)


class TorchMLPClassifier(ClassifierMixin, _TorchMLPBase):
    """MLP classifier (softmax over the classes, cross-entropy loss)."""

    _is_classifier = True

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_outputs_ = len(self.classes_)
        return encoded.astype(np.int64), self.n_outputs_

    def _loss(self) -> nn.Module:
        return nn.CrossEntropyLoss()

    def predict_proba(self, X: Any) -> np.ndarray:
        logits = self._raw_predict(X)
        return torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        scores = self._raw_predict(X)
        return self.classes_[np.argmax(scores, axis=1)]


class TorchMLPRegressor(RegressorMixin, _TorchMLPBase):
    """MLP regressor (mean squared error on the standardised target)."""

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        self.y_mean_ = float(y.mean())
        std = float(y.std())
        self.y_scale_ = std if std > 0 else 1.0
        self.n_outputs_ = 1
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32), 1

    def _loss(self) -> nn.Module:
        return nn.MSELoss()

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module_(x).squeeze(-1)

    def predict(self, X: Any) -> np.ndarray:
        return self._raw_predict(X)[:, 0].astype(np.float64) * self.y_scale_ + self.y_mean_
