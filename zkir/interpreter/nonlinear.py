"""Integer reference functions of the nonlinearities, one definition each.

The fixed-point interpreter, the witness generator and the circuit's lookup
tables all call these, so the circuit reproduces the fixed-point semantics exactly.
Each takes and returns int64 numpy arrays of fixed-point integers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Nonlinearity = Callable[..., np.ndarray]


def relu(x: np.ndarray, **_: int) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=np.int64), 0)


NONLINEARITIES: dict[str, Nonlinearity] = {"relu": relu}
"""Name -> integer reference function; `gadget.lookup` names one of these."""
