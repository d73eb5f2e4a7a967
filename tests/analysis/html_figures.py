"""Reading back a figure from a downloaded, self-contained HTML page."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            shape = value.get("shape")
            if shape:
                array = array.reshape([int(s) for s in str(shape).split(",")])
            return array
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def html_traces(html: str) -> list[dict[str, Any]]:
    """The traces of the figure in a downloaded HTML page, typed arrays decoded."""
    start = html.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    decoder = json.JSONDecoder()
    _, end = decoder.raw_decode(html, start + len(html[start:]) - len(html[start:].lstrip()))
    rest = html[end:].lstrip().lstrip(",").lstrip()
    data, _ = decoder.raw_decode(rest)
    return _decode(data)
