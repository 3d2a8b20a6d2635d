"""Exceptions of the prover: one class per kind of failure, one-line messages."""

from __future__ import annotations

from zkir.errors import ZkirError  # a leaf: the prover still imports no other layer


class ProverError(ZkirError):
    """Base class of zkir.prover errors."""


class VerificationError(ProverError):
    """A proof was rejected; the message names the check that failed."""


class ProofFormatError(VerificationError):
    """Bytes (proof, key, SRS) are not a well-formed encoding."""


class InsecureSetupError(VerificationError):
    """The key rests on a setup whose secret is known (a seeded test SRS)."""


class CircuitError(ProverError, ValueError):
    """A constraint system or an assignment is malformed (shapes, columns, ...)."""


class SynthesisError(ProverError):
    """The prover was asked to prove an assignment that violates the circuit."""
