"""Tune a small PyTorch MLP on scikit-learn's handwritten digits with Optuna.

The objective pattern of Optuna's tutorial: one ``objective(trial)`` that suggests its own
hyperparameters, trains, reports the validation accuracy after every epoch and stops early
when the pruner says so, cleaning up after itself before it raises ``optuna.TrialPruned``.

Each trial keeps its best epoch's weights in a checkpoint file,
``<temp dir>/optuna-mlp-checkpoints/trial-<number>.pt``, reads them back at the end and
deletes the file, both when the trial finishes and when it is pruned.

    python mlp_objective.py --n-trials 20
    python mlp_objective.py --n-trials 50 --epochs 20 --storage sqlite:///digits.db \
        --study-name digits-mlp
"""

from __future__ import annotations

import argparse
import functools
import tempfile
from collections.abc import Sequence
from pathlib import Path

import optuna
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

EPOCHS = 10  # epochs per trial; `--epochs` overrides it
BATCH_SIZE = 64
SEED = 0
CHECKPOINT_DIR = Path(tempfile.gettempdir()) / "optuna-mlp-checkpoints"

Split = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


@functools.cache
def digits_split() -> Split:
    """The 8x8 digits as 64 standardized features: train and validation, split once."""
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=y
    )
    scaler = StandardScaler().fit(x_train)

    def features(rows):
        return torch.tensor(scaler.transform(rows), dtype=torch.float32)

    return features(x_train), torch.tensor(y_train), features(x_val), torch.tensor(y_val)


def build_mlp(n_layers: int, hidden: int, dropout: float) -> nn.Sequential:
    """64 inputs, `n_layers` hidden layers of `hidden` units (ReLU, dropout), 10 outputs."""
    layers: list[nn.Module] = []
    width = 64
    for _ in range(n_layers):
        layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
        width = hidden
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                y: torch.Tensor, generator: torch.Generator) -> None:
    """One pass over the training rows in shuffled mini-batches."""
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), BATCH_SIZE):
        batch = order[start:start + BATCH_SIZE]
        optimizer.zero_grad()
        loss_fn(model(x[batch]), y[batch]).backward()
        optimizer.step()


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


def checkpoint_path(number: int) -> Path:
    return CHECKPOINT_DIR / f"trial-{number}.pt"


def objective(trial: optuna.Trial) -> float:
    """Validation accuracy of one MLP (maximize)."""
    torch.set_num_threads(1)
    torch.manual_seed(SEED + trial.number)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    hidden = trial.suggest_int("hidden", 16, 128)
    n_layers = trial.suggest_int("n_layers", 1, 3)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer_name = trial.suggest_categorical("optimizer", ["adam", "sgd"])

    x_train, y_train, x_val, y_val = digits_split()
    model = build_mlp(n_layers, hidden, dropout)
    trial.set_user_attr("n_params", count_params(model))
    if optimizer_name == "adam":
        optimizer: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    generator = torch.Generator().manual_seed(SEED + trial.number)

    checkpoint = checkpoint_path(trial.number)
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    best = -1.0
    for epoch in range(1, EPOCHS + 1):
        train_epoch(model, optimizer, x_train, y_train, generator)
        val_accuracy = accuracy(model, x_val, y_val)
        if val_accuracy > best:
            best = val_accuracy
            torch.save(model.state_dict(), checkpoint)
        trial.report(val_accuracy, epoch)
        if trial.should_prune():
            checkpoint.unlink(missing_ok=True)  # clean up before giving up on the trial
            raise optuna.TrialPruned()

    model.load_state_dict(torch.load(checkpoint))  # the best epoch's weights
    checkpoint.unlink()
    return accuracy(model, x_val, y_val)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> optuna.Study:
    global EPOCHS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=positive_int, default=20)
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS)
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///digits.db")
    parser.add_argument("--study-name", default=None)
    args = parser.parse_args(argv)
    EPOCHS = args.epochs

    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.MedianPruner(n_warmup_steps=2),
        storage=args.storage,
        study_name=args.study_name,
        load_if_exists=args.study_name is not None,
    )
    study.optimize(objective, n_trials=args.n_trials)
    if not study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        print("no trial completed")
        return study
    print(f"best validation accuracy: {study.best_value:.4f}")
    print(f"best params: {study.best_params}")
    return study


if __name__ == "__main__":
    main()
