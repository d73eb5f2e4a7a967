"""Two objectives at once: the digits MLP's validation accuracy against its parameter count.

No single best trial here: the answer is the Pareto front, the trials no other trial beats
on both accuracy and size. Reuses the network and data of ``mlp_objective.py`` (keep the
two files in one folder; the folder is what a run ships to its trials)::

    python mlp_size_tradeoff.py --n-trials 30
    optunagui run mlp_size_tradeoff.py:objective --directions maximize minimize \
        --metrics accuracy n_params --n-trials 30 --sampler nsga2
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import mlp_objective as mlp
import optuna
import torch


def objective(trial: optuna.Trial) -> tuple[float, int]:
    """(validation accuracy, number of weights): maximize the first, minimize the second."""
    torch.set_num_threads(1)
    torch.manual_seed(mlp.SEED + trial.number)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    hidden = trial.suggest_int("hidden", 4, 128, log=True)
    n_layers = trial.suggest_int("n_layers", 1, 3)
    x_train, y_train, x_val, y_val = mlp.digits_split()
    model = mlp.build_mlp(n_layers, hidden, dropout=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(mlp.SEED + trial.number)
    for _epoch in range(mlp.EPOCHS):
        mlp.train_epoch(model, optimizer, x_train, y_train, generator)
    return mlp.accuracy(model, x_val, y_val), mlp.count_params(model)


def main(argv: Sequence[str] | None = None) -> optuna.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=mlp.positive_int, default=30)
    parser.add_argument("--epochs", type=mlp.positive_int, default=mlp.EPOCHS)
    args = parser.parse_args(argv)
    mlp.EPOCHS = args.epochs
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.NSGAIISampler(seed=mlp.SEED))
    study.optimize(objective, n_trials=args.n_trials)
    for trial in study.best_trials:
        print(f"trial {trial.number}: accuracy {trial.values[0]:.4f}, "
              f"{int(trial.values[1])} weights, {trial.params}")
    return study


if __name__ == "__main__":
    main()
