"""Datasets: bundled and synthetic sets, CSV/Parquet files, column inference, stored versions."""

from __future__ import annotations

from optunagui.datasets.builtin import BUILTIN_DATASETS, BuiltinInfo, load_builtin
from optunagui.datasets.errors import DatasetError
from optunagui.datasets.files import (
    SUPPORTED_SUFFIXES,
    file_format,
    file_sha256,
    load_file,
    read_header,
)
from optunagui.datasets.inference import (
    ColumnInfo,
    column_summary,
    infer_task,
    json_safe,
    preview,
    task_problem,
)
from optunagui.datasets.loaded import LoadedDataset
from optunagui.datasets.storage import store_dataset_file, stored_dataset_path

__all__ = [
    "BUILTIN_DATASETS",
    "SUPPORTED_SUFFIXES",
    "BuiltinInfo",
    "ColumnInfo",
    "DatasetError",
    "LoadedDataset",
    "column_summary",
    "file_format",
    "file_sha256",
    "infer_task",
    "json_safe",
    "load_builtin",
    "load_file",
    "preview",
    "read_header",
    "store_dataset_file",
    "stored_dataset_path",
    "task_problem",
]
