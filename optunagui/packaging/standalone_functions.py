"""Column transforms a pipeline calls, free of the optunagui package.

``optunagui.features`` builds its FunctionTransformers on these functions. This file is also
copied into every model package as ``og_package_functions.py`` and a packaged pipeline's
FunctionTransformers point at that copy, so ``predict.py`` loads them without optunagui
installed. Keep it importing nothing from optunagui.
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
