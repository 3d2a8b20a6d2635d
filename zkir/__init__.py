"""zkir: compile ML models to PLONKish circuits and prove their inference in ZK.

`import zkir` stays light; the compiler loads on first use of these names.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "pipeline": ("zkir.pass_pipeline", "pipeline"),
    "parse_module": ("zkir.ir_io", "parse_module"),
    "read_module": ("zkir.ir_io", "read_module"),
    "print_module": ("zkir.ir_io", "print_module"),
    "make_context": ("zkir.context", "make_context"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'zkir' has no attribute '{name}'")


__all__ = ["__version__", *_LAZY]
