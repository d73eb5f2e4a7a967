"""Score a CSV file with the model packaged in this directory.

    python predict.py input.csv [-o predictions.csv] [--proba] [--ignore-extra] [--raw]

The input needs exactly the columns listed under "input_schema" in model.json (any order);
values are converted to the listed types. Predictions go to the output file, or to standard
output without -o; a text cell a spreadsheet would run as a formula (a class named
``=HYPERLINK(...)``) gets a leading ``'`` unless --raw is given. Exit codes: 0 done, 2 a
problem with the input or the options, 3 a package file that is missing, altered or cannot be
loaded.

Needs only the files next to it and the packages in requirements.txt.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
EXIT_INPUT = 2
EXIT_PACKAGE = 3
_PREDICT_BATCH = 8192
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class InputProblem(Exception):
    """Something wrong with the CSV or the options; exit code 2."""


class PackageProblem(Exception):
    """A package file missing, altered or unreadable; exit code 3."""


def load_manifest(directory: Path = HERE) -> dict[str, Any]:
    try:
        return json.loads((directory / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackageProblem(f"cannot read model.json: {error}") from None


# -- reading the input -----------------------------------------------------------------------


def read_input(path: str, schema: list[dict[str, Any]], *, ignore_extra: bool) -> pd.DataFrame:
    """The CSV's columns in the schema's order, each converted to the schema's type."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=True)
    except FileNotFoundError:
        raise InputProblem(f"{path}: no such file") from None
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise InputProblem(f"{path}: not a readable CSV file ({error})") from None
    expected = [column["name"] for column in schema]
    missing = [name for name in expected if name not in raw.columns]
    extra = [name for name in raw.columns if name not in expected]
    if missing:
        raise InputProblem(f"{path}: missing column(s) {_names(missing)}; the model expects "
                           f"{_names(expected)}")
    if extra and not ignore_extra:
        raise InputProblem(f"{path}: unexpected column(s) {_names(extra)}; the model expects "
                           f"{_names(expected)} (--ignore-extra drops the others)")
    return pd.DataFrame({column["name"]: _convert(raw[column["name"]], column)
                         for column in schema})


def _names(names: list[str]) -> str:
    return ", ".join(repr(str(name)) for name in names)


def _convert(values: pd.Series, column: dict[str, Any]) -> pd.Series:
    kind, name = column["kind"], column["name"]
    present = values.notna().to_numpy()
    if kind in ("float", "integer"):
        numbers = np.full(len(values), np.nan)
        for row, text in enumerate(values.to_numpy()):
            if present[row]:
                numbers[row] = _number(text, name, row, whole=kind == "integer")
        if kind == "integer" and present.all():
            return pd.Series(numbers.astype(column["dtype"]), name=name)
        return pd.Series(numbers, name=name)
    if kind == "boolean":
        flags = [_flag(text, name, row) if present[row] else np.nan
                 for row, text in enumerate(values.to_numpy())]
        return pd.Series(flags, name=name, dtype=bool if present.all() else object)
    if kind == "datetime":
        try:
            return pd.to_datetime(values, format="mixed")
        except (ValueError, TypeError) as error:
            raise InputProblem(f"column {name!r}: expected dates and times ({error})") from None
    if kind == "category":
        return values.astype("category")
    return values.astype(object)


def _number(text: str, name: str, row: int, *, whole: bool) -> float:
    try:
        number = float(text)
    except ValueError:
        raise InputProblem(f"column {name!r}, row {row + 1}: expected a number, got "
                           f"{text!r}") from None
    if whole and np.isfinite(number) and not number.is_integer():
        raise InputProblem(f"column {name!r}, row {row + 1}: expected a whole number, got "
                           f"{text!r}")
    return number


def _flag(text: str, name: str, row: int) -> bool:
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise InputProblem(f"column {name!r}, row {row + 1}: expected true or false, got {text!r}")


# -- loading the model -----------------------------------------------------------------------


def _checked_file(entry: dict[str, Any], directory: Path) -> Path:
    path = directory / entry["file"]
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise PackageProblem(f"cannot read {entry['file']}: {error}") from None
    if digest != entry["sha256"]:
        raise PackageProblem(f"{entry['file']} differs from the file this package was built "
                             "with (its SHA-256 does not match model.json)")
    return path


def load_skops(entry: dict[str, Any], directory: Path = HERE) -> Any:
    """Load a skops file, trusting only the types model.json lists for it."""
    import skops.io

    path = _checked_file(entry, directory)
    if str(directory) not in sys.path:  # the pipeline's own functions live next to this file
        sys.path.insert(0, str(directory))
    unexpected = sorted(set(skops.io.get_untrusted_types(file=path)) - set(entry["trusted"]))
    if unexpected:
        raise PackageProblem(f"{entry['file']} holds types model.json does not list: "
                             f"{', '.join(unexpected)}; not loading it")
    return skops.io.load(path, trusted=list(entry["trusted"]))


class TorchNetwork:
    """The packaged MLP: its network rebuilt from model.json and its saved weights."""

    def __init__(self, entry: dict[str, Any], directory: Path = HERE) -> None:
        import torch
        from torch import nn

        self.torch = torch
        config = entry["network"]
        activations = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU,
                       "elu": nn.ELU, "leaky_relu": nn.LeakyReLU}
        layers: list[Any] = []
        width = int(config["n_inputs"])
        for _ in range(int(config["n_layers"])):
            layers += [nn.Linear(width, int(config["units"])), activations[config["activation"]]()]
            if float(config["dropout"]) > 0:
                layers.append(nn.Dropout(float(config["dropout"])))
            width = int(config["units"])
        layers.append(nn.Linear(width, int(config["n_outputs"])))
        self.module = nn.Sequential(*layers)
        weights = torch.load(_checked_file(entry["weights"], directory), map_location="cpu",
                             weights_only=True)
        self.module.load_state_dict(weights)
        self.module.eval()
        self.config = config

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        with self.torch.no_grad():
            parts = [self.module(self.torch.from_numpy(X[i : i + _PREDICT_BATCH])).numpy()
                     for i in range(0, len(X), _PREDICT_BATCH)]
        return np.concatenate(parts) if parts else np.empty((0, self.config["n_outputs"]))

    def predict(self, X: np.ndarray) -> np.ndarray:
        outputs = self._outputs(X)
        if "classes" in self.config:
            return np.asarray(self.config["classes"])[np.argmax(outputs, axis=1)]
        return outputs[:, 0].astype(np.float64) * self.config["y_scale"] + self.config["y_mean"]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        logits = self.torch.from_numpy(self._outputs(X)).double()
        return self.torch.softmax(logits, dim=1).numpy()


class PackagedModel:
    """Preprocessing and model as the package holds them, predicting class labels or values."""

    def __init__(self, manifest: dict[str, Any], directory: Path = HERE) -> None:
        artifact = manifest["artifact"]
        self.classes = manifest.get("classes") or []
        self.task = manifest["task"]
        if artifact["format"] == "skops":
            self.preprocessor = None
            self.model = load_skops(artifact["pipeline"], directory)
        elif artifact["format"] == "torch-mlp":
            self.preprocessor = load_skops(artifact["preprocessor"], directory)
            self.model = TorchNetwork(artifact, directory)
        else:
            raise PackageProblem(f"unknown package format {artifact['format']!r}")

    def _features(self, frame: pd.DataFrame) -> Any:
        if self.preprocessor is None:
            return frame
        return np.asarray(self.preprocessor.transform(frame), dtype=float)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        predicted = np.asarray(self.model.predict(self._features(frame)))
        if self.task == "classification":
            return np.asarray(self.classes)[predicted.astype(int)]
        return predicted.astype(np.float64)

    def predict_proba(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.task != "classification":
            raise InputProblem("--proba: a regression model gives no class probabilities")
        if not hasattr(self.model, "predict_proba"):
            raise InputProblem("--proba: this model gives no class probabilities "
                               f"({type(self.model).__name__})")
        scores = np.asarray(self.model.predict_proba(self._features(frame)))
        return pd.DataFrame(scores, columns=[f"probability_{label}" for label in self.classes])


# -- the command -----------------------------------------------------------------------------


def score(input_path: str, *, proba: bool = False, ignore_extra: bool = False,
          directory: Path = HERE) -> pd.DataFrame:
    """The predictions for every row of the CSV, as a table."""
    manifest = load_manifest(directory)
    frame = read_input(input_path, manifest["input_schema"], ignore_extra=ignore_extra)
    model = PackagedModel(manifest, directory)
    result = pd.DataFrame({"prediction": model.predict(frame)})
    if proba:
        result = pd.concat([result, model.predict_proba(frame)], axis=1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a CSV with the packaged model.")
    parser.add_argument("input", help="CSV file with the model's input columns")
    parser.add_argument("-o", "--output", help="write the predictions here (default: stdout)")
    parser.add_argument("--proba", action="store_true",
                        help="add one probability column per class (classification)")
    parser.add_argument("--ignore-extra", action="store_true",
                        help="drop input columns the model does not use instead of refusing")
    parser.add_argument("--raw", action="store_true",
                        help="write text cells as they are, even those a spreadsheet would run "
                             "as formulas")
    args = parser.parse_args(argv)
    try:
        result = score(args.input, proba=args.proba, ignore_extra=args.ignore_extra)
    except InputProblem as problem:
        print(f"predict.py: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except PackageProblem as problem:
        print(f"predict.py: {problem}", file=sys.stderr)
        return EXIT_PACKAGE
    if not args.raw:
        from og_spreadsheet import (  # type: ignore[import-not-found]  # copied beside this file
            neutralise_formulas,
        )

        result = neutralise_formulas(result)
    if args.output:
        result.to_csv(args.output, index=False)
        print(f"{len(result)} predictions written to {args.output}", file=sys.stderr)
    else:
        result.to_csv(sys.stdout, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
