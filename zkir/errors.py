"""The root of zkir's errors, and the error every layer shares: ModelError.

Why one root: a caller can catch `ZkirError` for "zkir refused this, with a
one-line reason" and leave real bugs (TypeError, KeyError, ...) to surface.
Why here, a leaf importing nothing of zkir: every layer, the prover included,
may derive from it without importing any layer above its own.

Each error is defined beside the code that raises it and derives from ZkirError:

    ZkirError
    |-- ModelError                   the user's model or input (this module)
    |   |-- UnsupportedModel         zkir.frontends.errors
    |   `-- FixedPointOverflow       zkir.interpreter.fixed_interp
    |-- ProverError                  zkir.prover.errors (and its subclasses)
    |-- TableClashError (ValueError) zkir.gadgets.tables
    |-- BackendError (ValueError)    zkir.backend_halo2.constraint_builder
    |-- LoweringError, PlonkLoweringError, LayoutSearchError (ValueError),
    |   QuantizeError, LayoutError   the passes: also xDSL's PassFailedException
    |-- PipelineError (ValueError)   zkir.pass_pipeline
    |-- WorkflowError (ValueError)   zkir.workflow
    `-- CliError                     zkir.tools.cli_common

The ValueError and xDSL bases are kept from before the common root existed, so
every `except` that caught an error still catches it.
"""

from __future__ import annotations


class ZkirError(Exception):
    """Base class of every error zkir raises on purpose (a one-line message)."""


class ModelError(ZkirError):
    """A problem with the user's model or input; the CLI prints it and exits 2."""


__all__ = ["ModelError", "ZkirError"]
