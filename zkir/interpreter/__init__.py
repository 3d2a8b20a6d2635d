"""Reference execution of the ml dialect, in numpy on whole tensors.

* float_interp.run_float: what a model computes (checked against onnxruntime
  and the TFLite interpreter);
* fixed_interp.run_fixed: what the circuit proves, in int64, op by op (its
  module docstring is the fixed-point semantics);
* rounding: the one rounding rule; nonlinear: one integer reference function
  per nonlinearity, shared with the lookup tables; kernels: the numpy kernels
  both interpreters (and the importers' constant folding) use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the type checker sees the real functions; at run time they load lazily
    from zkir.interpreter.fixed_interp import run_fixed
    from zkir.interpreter.float_interp import run_float

__all__ = ["run_fixed", "run_float"]


def __getattr__(name: str) -> object:
    # lazy, so that importing one submodule does not load the others
    if name == "run_float":
        from zkir.interpreter.float_interp import run_float

        return run_float
    if name == "run_fixed":
        from zkir.interpreter.fixed_interp import run_fixed

        return run_fixed
    raise AttributeError(name)
