"""Randomness for blinding and keys: the OS CSPRNG unless a test fixes a seed.

Why one place: every secret the prover or keygen draws (blinding rows, masks,
the pinned columns' r0) must come from a cryptographic generator; numpy's seeded
generators are for reproducible tests only.
"""

from __future__ import annotations

import os
from typing import Protocol


class RandomBytes(Protocol):
    """A source of random bytes: OsRandom, or a seeded numpy Generator in tests."""

    def bytes(self, n: int, /) -> bytes: ...


class OsRandom:
    """The .bytes() interface of numpy Generators, backed by os.urandom."""

    @staticmethod
    def bytes(n: int) -> bytes:
        return os.urandom(n)
