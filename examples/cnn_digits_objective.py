"""Tune a tiny convolutional network on the 8x8 digit images with Optuna.

The search space of a real image-classification project, scaled down to scikit-learn's
digits: three architectures, three optimizers whose extra settings exist only where they
apply (weight decay for AdamW and SGD, momentum for SGD alone), the batch size, the
patience of early stopping on the validation loss, and the loss weight of one class
(digit 9, like the project's weight of its "unknown" class).

``load_data()`` runs once and ``objective(trial, data)`` receives its result, the pattern
of Optuna's FAQ on objective functions with arguments of their own:

    python cnn_digits_objective.py --n-trials 20
    python cnn_digits_objective.py --n-trials 50 --epochs 40 --storage sqlite:///digits.db \
        --study-name digits-cnn
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import optuna
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from torch import nn

EPOCHS = 30  # at most, per trial; early stopping often ends sooner. `--epochs` overrides it
SEED = 0
WEIGHTED_CLASS = 9  # the digit whose loss weight is tuned
N_CLASSES = 10


@dataclass(frozen=True)
class DigitsData:
    """Images as (N, 1, 8, 8) floats in [0, 1] and their labels, split once."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


def load_data() -> DigitsData:
    """The digits, split into train and validation (stratified, fixed seed)."""
    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    labels = torch.tensor(digits.target)
    train, val = (torch.from_numpy(rows) for rows in train_test_split(
        np.arange(len(labels)), test_size=0.25, random_state=SEED, stratify=digits.target
    ))
    return DigitsData(images[train], labels[train], images[val], labels[val])


def small_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8 x 4 x 4
        nn.Flatten(), nn.Linear(8 * 4 * 4, N_CLASSES),
    )


def wide_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 4 x 4
        nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, N_CLASSES),
    )


def deep_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        nn.Flatten(), nn.Linear(32 * 2 * 2, N_CLASSES),
    )


ARCHITECTURES: dict[str, Callable[[], nn.Module]] = {
    "small": small_net, "wide": wide_net, "deep": deep_net,
}


@dataclass
class EarlyStopping:
    """Stops once the validation loss has not improved for `patience` epochs in a row."""

    patience: int
    best: float = math.inf
    bad_epochs: int = 0

    def should_stop(self, loss: float) -> bool:
        if loss < self.best:  # a NaN loss never improves
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience


def build_optimizer(trial: optuna.Trial, model: nn.Module) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD; weight decay only for AdamW and SGD, momentum only for SGD."""
    name = trial.suggest_categorical("optimizer", ["adam", "adamw", "sgd"])
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    momentum = trial.suggest_float("momentum", 0.5, 0.99)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                           weight_decay=weight_decay)


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                data: DigitsData, batch_size: int, generator: torch.Generator) -> None:
    model.train()
    order = torch.randperm(len(data.y_train), generator=generator)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        optimizer.zero_grad()
        loss_fn(model(data.x_train[batch]), data.y_train[batch]).backward()
        optimizer.step()


@torch.no_grad()
def validate(model: nn.Module, loss_fn: nn.Module, data: DigitsData) -> tuple[float, float]:
    """The validation loss and macro F1."""
    model.eval()
    logits = model(data.x_val)
    loss = loss_fn(logits, data.y_val).item()
    predicted = logits.argmax(dim=1)
    f1 = f1_score(data.y_val.numpy(), predicted.numpy(), average="macro", zero_division=0)
    return loss, float(f1)


def objective(trial: optuna.Trial, data: DigitsData) -> float:
    """The best validation macro F1 of one network (maximize)."""
    torch.set_num_threads(1)
    torch.manual_seed(SEED + trial.number)
    architecture = trial.suggest_categorical("architecture", list(ARCHITECTURES))
    model = ARCHITECTURES[architecture]()
    optimizer = build_optimizer(trial, model)
    batch_size = trial.suggest_categorical("batch_size", [16, 32, 64, 128])
    stopper = EarlyStopping(trial.suggest_int("patience", 5, 20))
    weights = torch.ones(N_CLASSES)
    weights[WEIGHTED_CLASS] = trial.suggest_float("class_weight", 0.1, 1.0)
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    generator = torch.Generator().manual_seed(SEED + trial.number)

    best_f1 = 0.0
    epoch = 0
    for epoch in range(1, EPOCHS + 1):
        train_epoch(model, optimizer, loss_fn, data, batch_size, generator)
        val_loss, val_f1 = validate(model, loss_fn, data)
        best_f1 = max(best_f1, val_f1)
        trial.report(val_f1, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
        if stopper.should_stop(val_loss):
            break
    trial.set_user_attr("epochs_run", epoch)
    return best_f1


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> optuna.Study:
    global EPOCHS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=positive_int, default=20)
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS,
                        help="the most epochs a trial trains")
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///digits.db")
    parser.add_argument("--study-name", default=None)
    args = parser.parse_args(argv)
    EPOCHS = args.epochs

    data = load_data()  # once, shared by every trial
    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.MedianPruner(n_warmup_steps=5),
        storage=args.storage,
        study_name=args.study_name,
        load_if_exists=args.study_name is not None,
    )
    study.optimize(lambda trial: objective(trial, data), n_trials=args.n_trials)
    if not study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        print("no trial completed")
        return study
    print(f"best validation macro F1: {study.best_value:.4f}")
    print(f"best params: {study.best_params}")
    return study


if __name__ == "__main__":
    main()
