"""The names of zkir's integer nonlinearities: what `gadget.lookup` and
`plonk.lookup_table` may name.

Why a list of names here rather than zkir.interpreter.nonlinear's table of
functions: the dialects sit below the interpreter, so their verifiers check a
name without importing it; the interpreter checks on import that its reference
functions are exactly these.
"""

from __future__ import annotations

NONLINEARITY_NAMES: tuple[str, ...] = (
    "relu",
    "sigmoid",
    "tanh",
    "erf",
    "gelu",
    "gelu_correction",
    "exp",
    "reciprocal",
    "sqrt",
    "rsqrt",
)
