"""Column transforms a packaged pipeline calls, free of the optunagui package.

This file is copied into every model package as ``og_package_functions.py``; the pipeline's
FunctionTransformers point here, so ``predict.py`` loads them without optunagui installed.
Each function computes exactly what its namesake in ``optunagui.features`` computes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def _to_text(x: np.ndarray | pd.DataFrame) -> np.ndarray:
    frame = pd.DataFrame(x)
    return frame.astype(object).where(frame.notna(), "<missing>").astype(str).to_numpy()
