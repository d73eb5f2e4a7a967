"""What a run hands to people and scripts: its best parameters, its spec and its trials."""

from __future__ import annotations

from optunagui.exports.run_files import (
    TRIAL_FORMATS,
    ExportError,
    best_params_document,
    best_params_json,
    spec_yaml,
    trials_bytes,
    trials_frame,
)
from optunagui.exports.spreadsheet import neutralise_formulas, safe_cell

__all__ = [
    "TRIAL_FORMATS",
    "ExportError",
    "best_params_document",
    "best_params_json",
    "neutralise_formulas",
    "safe_cell",
    "spec_yaml",
    "trials_bytes",
    "trials_frame",
]
