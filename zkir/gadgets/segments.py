"""A nonlinearity through a table of segments: a 2^16-input function, 2^12 rows.

A `gadget.lookup` whose table would hold every input lo..hi can instead be read
in segments of 2^b inputs (gadget-layout-search sets `#gadget.split<low_bits = b,
frac_bits = e>` on the op when that is cheaper):

    x - o = 2^b h + l,              h in [0, H), l in [0, 2^b)
    out   = T[h] + floor((a[h] + B[h] l) / 2^e)

with one table row (h, T[h], a[h], B[h]) per segment: o is lo rounded down to a
multiple of 2^b (so 0 starts a segment), H = ceil((hi - o + 1) / 2^b) rows
instead of hi - lo + 1. An arbitrary function has no exact split into small
tables, so this is piecewise-linear interpolation with exactly defined integer
rounding, and it is only ever used where it is *exact*: `fit_segments` finds, for
every segment, integers K = 2^e T + a (0 <= a < 2^e) and B with
floor((K + B j) / 2^e) = f(lo + 2^b h + j) for all j, from the reference function
f (zkir.interpreter.nonlinear, the same one the direct table holds) evaluated on
every input the segments cover with numpy, and checked again on all of them; a segment without such integers makes the
whole split unavailable (None), and the layout search then keeps the direct
table. So the circuit computes the gadget dialect's reference semantics (the
lookup's `evaluate`) bit for bit, on every input the direct table accepts: the
fixed-point interpreter, the calibration's accuracy report and `zkir run` need
not change. The segments also cover the inputs o .. lo - 1 and
hi + 1 .. o + 2^b H - 1 of the partial end segments (exactly as well: f is
total, so a proof for such an input is still a true one); `assign` refuses any
input outside [lo, hi], like the direct table, so errors name the same range.

The gadget, per item of 8 cells (x, h, l, a, B, c, r, out):

    gate    x - o - 2^b h - l = 0
    gate    a + B l - 2^e c - r = 0
    lookup  (h, out - c, a, B)     in the segment table (tag, h, T, a, B)
    lookup  l, l + 2^t - 2^b       in the t-bit range table (l < 2^b; one if b = t)
    lookup  c - c_min              in the range table
    lookup  r, r + 2^t - 2^e       in the range table (r < 2^e; one if e = t)

Why a cheating prover cannot choose another output (everything below is over
the field F_p, p ~ 2^255; every integer named is far below p/2 in magnitude):

* The segment lookup makes (h, out - c, a, B) a row of the table, so h is an
  integer in [0, H) and a, B, out - c are exactly a[h], B[h], T[h].
* The range lookups make l an integer in [0, 2^b) (l and l + 2^t - 2^b both in
  [0, 2^t), the rescale gadget's argument), c - c_min in [0, 2^t) and r in
  [0, 2^e) as integers.
* The first gate: x = o + 2^b h + l with 2^b h + l an integer in [0, 2^b H).
  Two different pairs (h, l) in those ranges give different integers below p,
  hence different field elements, so x (wired from its producer) fixes h and
  l: the Euclidean split of x - o, and an x outside [o, o + 2^b H) has none.
* The second gate: a + B l and 2^e c + r are both integers of small magnitude
  (|B| < 2^(e+t), l < 2^b, c in [c_min, c_min + 2^t)), equal mod p, hence
  equal as integers; with 0 <= r < 2^e that makes c = floor((a + B l) / 2^e).
* So out = T[h] + c = floor((K[h] + B[h] l) / 2^e), which the fit checked is
  f(x) on every input of the range.

Cost: a table 2^b times shorter (it can stop setting k), for 8 cells instead
of 2 per item and 4 to 6 lookups instead of 1; the layout search prices both on
the lowered circuit, jointly with the band width and k.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from zkir.gadgets.base import (
    Assignment,
    CellFn,
    GadgetParams,
    LookupSpec,
    PortCells,
    RangeCheckedGadget,
    SelectorFn,
    fill_unused,
    from_layout,
    packed_rows,
)
from zkir.gadgets.tables import TableSpec, _signed

X, H, L, A, S, C, R, OUT = range(8)
WIDTH = 8

_PAIRS_PER_CHUNK = 1 << 22
"""Bounds the fit's memory: segments are fitted in chunks of this many pairs."""


def _reference(fn: str, scale: int, in_scale: int | None, x: np.ndarray) -> np.ndarray:
    return TableSpec(fn, 1, scale, in_scale).apply(x)


def fit_segments(values: np.ndarray, low_bits: int, frac_bits: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Integers K[h], B[h] with floor((K[h] + B[h] j) / 2^e) == values[2^b h + j]
    for every j in [0, 2^b), or None when some segment has none.

    For a fixed B, K exists iff max_j(lo_j - B j) <= min_k(hi_k - B k), where
    [lo_j, hi_j] = [2^e v_j, 2^e v_j + 2^e - 1] are the values K + B j may take;
    that is B (k - j) <= hi_k - lo_j and B (k - j) >= lo_k - hi_j for every pair
    j < k. So the feasible B form an interval, computed over all pairs at once.
    """
    n = 1 << low_bits
    f = np.asarray(values, dtype=np.int64).reshape(-1, n)
    lower = f << frac_bits
    upper = lower + ((1 << frac_bits) - 1)
    j, k = np.triu_indices(n, 1)
    d = k - j
    step = max(1, _PAIRS_PER_CHUNK // max(1, len(d)))
    slope = np.empty(len(f), dtype=np.int64)
    for start in range(0, len(f), step):
        lo, hi = lower[start : start + step], upper[start : start + step]
        b_max = np.floor_divide(hi[:, k] - lo[:, j], d).min(axis=1)
        b_min = (-np.floor_divide(hi[:, j] - lo[:, k], d)).max(axis=1)  # ceil((lo_k - hi_j) / d)
        if np.any(b_min > b_max):
            return None
        slope[start : start + step] = (b_min + b_max) // 2
    offsets = np.arange(n, dtype=np.int64) * slope[:, None]
    base = (lower - offsets).max(axis=1)
    if np.any(base > (upper - offsets).min(axis=1)):  # cannot happen (see above): a guard
        return None
    return base, slope


@dataclass(frozen=True)
class SegmentFit:
    """One split of f over [lo, lo + 2^b count): the table's columns and c's range."""

    lo: int
    low_bits: int
    frac_bits: int
    base: np.ndarray
    """T[h]."""
    offset: np.ndarray
    """a[h], in [0, 2^e)."""
    slope: np.ndarray
    """B[h]."""
    c_min: int
    c_max: int

    @property
    def count(self) -> int:
        return len(self.base)

    def parts(self, x: np.ndarray) -> dict[int, np.ndarray]:
        """The cells of the items for inputs x (inside the segments)."""
        h, l = np.divmod(np.asarray(x, dtype=np.int64) - self.lo, 1 << self.low_bits)
        a, b = self.offset[h], self.slope[h]
        v = a + b * l
        c = v >> self.frac_bits  # floor, also for negative v
        return {X: x, H: h, L: l, A: a, S: b, C: c, R: v - (c << self.frac_bits), OUT: self.base[h] + c}


def segment_origin(lo: int, low_bits: int) -> int:
    """Where the segments start: lo rounded down to a multiple of 2^b, so that 0
    is a segment boundary (GELU's correction has a kink there)."""
    return (lo >> low_bits) << low_bits


def segment_count(lo: int, hi: int, low_bits: int) -> int:
    """Segments (table rows) covering lo..hi from segment_origin."""
    return -(-(hi - segment_origin(lo, low_bits) + 1) // (1 << low_bits))


@lru_cache(maxsize=256)
def segment_fit(
    fn: str, scale: int, in_scale: int | None, lo: int, hi: int, low_bits: int, frac_bits: int
) -> SegmentFit | None:
    """The exact split of fn over the inputs lo..hi into segments of 2^low_bits,
    or None where no exact one exists (cached: the layout search asks often)."""
    n = 1 << low_bits
    origin = segment_origin(lo, low_bits)
    count = segment_count(lo, hi, low_bits)
    x = origin + np.arange(count * n, dtype=np.int64)
    values = _reference(fn, scale, in_scale, x)
    fit = fit_segments(values, low_bits, frac_bits)
    if fit is None:
        return None
    k, slope = fit
    base = k >> frac_bits
    offset = k - (base << frac_bits)
    c = values.reshape(count, n) - base[:, None]
    result = SegmentFit(origin, low_bits, frac_bits, base, offset, slope, int(c.min()), int(c.max()))
    if not np.array_equal(result.parts(x)[OUT], values):  # the fit's claim, checked on every input
        return None
    return result


@dataclass(frozen=True)
class SegmentTable:
    """The fixed columns (tag, h, T, a, B) of one split: one row per segment."""

    fn: str
    scale: int
    in_scale: int | None
    lo: int
    hi: int
    low_bits: int
    frac_bits: int

    @property
    def fit(self) -> SegmentFit:
        fit = segment_fit(self.fn, self.scale, self.in_scale, self.lo, self.hi, self.low_bits, self.frac_bits)
        if fit is None:
            raise ValueError(
                f"split lookup '{self.fn}': segments of 2^{self.low_bits} inputs at 2^{self.frac_bits} "
                f"are not exact on [{self.lo}, {self.hi}]"
            )
        return fit

    @property
    def segments(self) -> tuple[int, int]:
        return self.low_bits, self.frac_bits

    @property
    def name(self) -> str:
        """Content-named like TableSpec's ranged tables, plus the split."""
        inner = "" if self.in_scale in (None, self.scale) else f"_in{self.in_scale}"
        return (
            f"{self.fn}_{_signed(self.lo)}_{_signed(self.hi)}_s{self.scale}{inner}"
            f"_seg{self.low_bits}f{self.frac_bits}"
        )

    @property
    def bits(self) -> int:
        return max(1, (self.size - 1).bit_length())

    @property
    def width(self) -> int:
        return 5

    @property
    def size(self) -> int:
        return segment_count(self.lo, self.hi, self.low_bits)

    def describe(self) -> str:
        return (
            f"{self.fn}(inputs={self.lo}..{self.hi}, scale={self.scale}, "
            f"segments of 2^{self.low_bits}, 2^{self.frac_bits} fraction)"
        )

    def contents(self) -> list[np.ndarray]:
        fit = self.fit
        h = np.arange(fit.count, dtype=np.int64)
        return [np.ones(fit.count, dtype=np.int64), h, fit.base, fit.offset, fit.slope]

    def content_key(self) -> tuple[Any, ...]:
        in_scale = self.scale if self.in_scale is None else self.in_scale
        return ("segments", self.fn, self.lo, self.hi, self.scale, in_scale, self.low_bits, self.frac_bits)


@dataclass(frozen=True)
class SplitLookupParams(GadgetParams):
    fn: str
    table_lo: int
    table_hi: int
    low_bits: int
    frac_bits: int
    scale: int = 0
    in_scale: int | None = None
    table_bits: int = from_layout("range_bits")
    """Bits of the shared range table (the layout's range_bits)."""


class SplitLookupGadget(RangeCheckedGadget):
    """`gadget.lookup` with a `split`: see the module docstring (and its soundness)."""

    kind = "split_lookup"
    Params = SplitLookupParams
    width = WIDTH

    def __init__(
        self,
        columns: int,
        fn: str,
        table_lo: int,
        table_hi: int,
        low_bits: int,
        frac_bits: int,
        scale: int = 0,
        in_scale: int | None = None,
        table_bits: int = 8,
    ):
        super().__init__(columns, table_bits)
        self.segments = SegmentTable(fn, scale, in_scale, table_lo, table_hi, low_bits, frac_bits)
        t = table_bits
        if low_bits > t or frac_bits > t:
            raise ValueError(
                f"split lookup '{fn}': segments of 2^{low_bits} at 2^{frac_bits} need a range table "
                f"of at least {max(low_bits, frac_bits)} bits, got {t}"
            )
        if not table_lo <= 0 <= table_hi:
            raise ValueError(f"split lookup '{fn}': the range must hold the input 0 (free slots read it)")
        self.fit = self.segments.fit
        if self.fit.c_max - self.fit.c_min >= 1 << t:
            raise ValueError(
                f"split lookup '{fn}': a segment's outputs span {self.fit.c_max - self.fit.c_min + 1} values, "
                f"more than a {t}-bit range table bounds"
            )

    @classmethod
    def evaluate(cls, params: SplitLookupParams, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """The segments' formula where it applies, else the reference function
        (whose table `assign` refuses anyway): by the fit, the same integers as
        the unsplit lookup everywhere."""
        x = np.asarray(inputs["input"], dtype=np.int64)
        fit = segment_fit(
            params.fn, params.scale, params.in_scale, params.table_lo, params.table_hi, params.low_bits, params.frac_bits
        )
        exact = _reference(params.fn, params.scale, params.in_scale, x)
        if fit is None:
            return exact
        inside = (x >= params.table_lo) & (x <= params.table_hi)
        out = exact.copy()
        out[inside] = fit.parts(x[inside])[OUT]
        return out

    @property
    def key(self) -> str:
        return f"split_{self.segments.name}_t{self.table.bits}"

    def tables(self) -> dict[str, Any]:
        return {self.table.name: self.table, self.segments.name: self.segments}

    def gates(self, cell: CellFn, selector: SelectorFn) -> list[tuple[str, list[Any]]]:
        q, fit = selector("q"), self.fit
        polys = []
        for c in self.items(cell):
            polys.append(q * (c(X) - fit.lo - (1 << fit.low_bits) * c(H) - c(L)))
            polys.append(q * (c(A) + c(S) * c(L) - (1 << fit.frac_bits) * c(C) - c(R)))
        return [(self.key, polys)]

    def lookups(self, cell: CellFn, selector: SelectorFn) -> list[LookupSpec]:
        q, fit, t = selector("q"), self.fit, self.table.bits
        specs = []
        for j, c in enumerate(self.items(cell)):
            specs.append(
                LookupSpec(
                    f"{self.key}_seg{j}", [q, q * c(H), q * (c(OUT) - c(C)), q * c(A), q * c(S)], self.segments.name
                )
            )
            checked = [("l", c(L)), ("c", c(C) - fit.c_min), ("r", c(R))]
            if fit.low_bits < t:
                checked.append(("l_hi", c(L) + ((1 << t) - (1 << fit.low_bits))))
            if fit.frac_bits < t:
                checked.append(("r_hi", c(R) + ((1 << t) - (1 << fit.frac_bits))))
            specs += [LookupSpec(f"{self.key}_{name}{j}", [q, q * v], self.table.name) for name, v in checked]
        return specs

    def rows(self, shapes: Mapping[str, tuple[int, ...]]) -> int:
        return packed_rows(shapes["input"], self.per_row)

    def assign(self, inputs: Mapping[str, np.ndarray]) -> Assignment:
        x = np.asarray(inputs["input"], dtype=np.int64)
        seg = self.segments
        if x.size and (x.min() < seg.lo or x.max() > seg.hi):
            raise OverflowError(
                f"lookup '{seg.fn}': input range [{int(x.min())}, {int(x.max())}] exceeds the "
                f"table of inputs [{seg.lo}, {seg.hi}]"
            )
        per_item = self.fit.parts(x.ravel())
        cells, slot, row = self.lay_out(x.size, per_item)
        neutral = self.fit.parts(np.zeros(1, dtype=np.int64))
        fill_unused(cells, x.size, self.per_row, self.width, {k: int(v[0]) for k, v in neutral.items()})
        out = per_item[OUT].reshape(x.shape)
        ports = {"input": PortCells.dense(x.shape, slot + X, row), "out": PortCells.dense(x.shape, slot + OUT, row)}
        return Assignment(cells, {"q": np.ones(cells.shape[0], dtype=np.int64)}, ports, {"out": out})
