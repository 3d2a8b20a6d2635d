"""Tensor-level wiring: which source cell backs each element of each value.

Each gadget-level value is *backed* by source cells: for every element, a
(placement, port) and an element of that port, or the zero cell. A
`gadget.rewire` only recomputes this backing; a gadget that consumes a value
gets one `plonk.copy` per source it reads from, with an index map unless the
copy is the identity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from zkir.dialects import plonk
from zkir.dialects.resources import dense_attr


def numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


@dataclass
class Backing:
    """Per element: index of a (placement, port) source and its element, or -1 (zero)."""

    source: np.ndarray
    elem: np.ndarray

    @staticmethod
    def zeros(n: int) -> Backing:
        return Backing(np.full(n, -1), np.full(n, -1))

    @staticmethod
    def concat(parts: list[Backing]) -> Backing:
        return Backing(np.concatenate([p.source for p in parts]), np.concatenate([p.elem for p in parts]))

    def take(self, index: np.ndarray) -> Backing:
        """The backing of out[i] = self[index[i]] (index -1: zero)."""
        ok = index >= 0
        safe = np.where(ok, index, 0)
        return Backing(
            np.where(ok, self.source[safe], -1) if len(self.source) else np.full(len(index), -1),
            np.where(ok, self.elem[safe], -1) if len(self.elem) else np.full(len(index), -1),
        )


@dataclass
class Wiring:
    """The sources placed so far and the copies that read them."""

    zero_source: Callable[[], str]
    """Places the zero cell on first use; returns its placement name."""
    sources: list[tuple[str, str]] = field(default_factory=list)
    port_shapes: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    copies: list[plonk.CopyOp] = field(default_factory=list)

    def source(self, place: str, port: str, shape: tuple[int, ...]) -> Backing:
        """A new source: every element of `place`'s `port`, in order."""
        self.sources.append((place, port))
        n = numel(shape)
        return Backing(np.full(n, len(self.sources) - 1, dtype=np.int64), np.arange(n, dtype=np.int64))

    def wire(self, backing: Backing, dst: str, port: str) -> None:
        """Copies that make every element of dst's port equal its backing source."""
        n = len(backing.source)
        for s in np.unique(backing.source[backing.source >= 0]):
            src, src_port = self.sources[int(s)]
            mask = backing.source == s
            index = np.where(mask, backing.elem, -1)
            src_size = numel(self.port_shapes[src][src_port])
            identity = mask.all() and src_size == n and np.array_equal(index, np.arange(n))
            attr = None if identity else dense_attr(index, f"{dst}_{port}_from_{src}")
            self.copies.append(plonk.CopyOp(src, src_port, dst, port, attr))
        zeros = backing.source < 0
        if zeros.any():
            zero = self.zero_source()
            attr = None if zeros.all() else dense_attr(np.where(zeros, 0, -1), f"{dst}_{port}_zero")
            self.copies.append(plonk.CopyOp(zero, "out", dst, port, attr))
