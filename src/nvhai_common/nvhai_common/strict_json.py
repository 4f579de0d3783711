"""JSON that every parser accepts: NaN and inf become null.

Python's json writes a bare NaN, which the browser's JSON.parse and most JSON tools refuse; a figure
that cannot be computed (nobody moved, so there is no error to divide by) is null instead. Shared by
the live view's server and the command lines' --json.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """`value` with every NaN/inf float replaced by None (JSON null), through dicts, lists and tuples."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """json.dumps that never writes NaN, Infinity or -Infinity."""
    return json.dumps(finite(value), allow_nan=False, **kwargs)
