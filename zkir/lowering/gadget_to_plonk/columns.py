"""Column names, one scheme: every column is `<owner>.<member>`.

Bands are `a.<i>` (gadget advice), `c.<i>` (phase-1 advice, committed after
the challenge: randomized products), `w.<i>` (private weights), `f.<i>` (fixed
weights), `link_<name>.<i>` (a tensor crossing a cut between shards),
`instance.0` and `zero.0`; a gadget's selectors are `<gadget key>.<role>`
and a table's columns `<table>.<part>`. Selector roles (q, chain, c<j>) and table
parts (tag, in, out, row, col, value, seg, base, offset, slope) never coincide, and placement names never
hold a dot, so no column can be named like another column or a placement.
"""

from __future__ import annotations

ADVICE_BAND = "a"
CHALLENGE_BAND = "c"
WEIGHT_BAND = "w"
FIXED_BAND = "f"
INSTANCE = "instance.0"
ZERO = "zero.0"


LINK_ROWS_MARGIN = 64
"""Rows a link column leaves free at the bottom of 2^k (half of them below 2^7):
more than any circuit's blinding rows, so one link layout fits the usable rows
of every shard."""


def link_band(name: str) -> str:
    return f"link_{name}"


LINK_ROWS_UNSET = 10
"""log2 of a link column's rows while k is not chosen yet (the layout search's
free round): short, so that a link never sets a shard's k."""


def link_width(size: int, k: int) -> int:
    """Columns of a link tensor of `size` elements at k: the same in the producing
    and the consuming shard, which share k (k = 0, not chosen yet: columns of
    2^LINK_ROWS_UNSET rows)."""
    rows = 1 << (k or LINK_ROWS_UNSET)
    height = rows - LINK_ROWS_MARGIN if rows > 2 * LINK_ROWS_MARGIN else rows // 2
    return max(1, -(-size // height))


def band_column(band: str, index: int) -> str:
    return f"{band}.{index}"


def slot_column(columns: int, slot: int) -> str:
    """The band column of a gadget's cell slot: its first `columns` slots are in
    the gadget band, the rest (its late slots) in the phase-1 band."""
    if slot < columns:
        return band_column(ADVICE_BAND, slot)
    return band_column(CHALLENGE_BAND, slot - columns)


def selector_column(key: str, role: str) -> str:
    """The fixed column of selector `role` of the gadget with this key."""
    return f"{key}.{role}"


def table_columns(name: str, width: int) -> list[str]:
    """The fixed columns tabulating table `name` (tag first)."""
    if width == 5:  # a table of segments (zkir.gadgets.segments)
        parts: tuple[str, ...] = ("tag", "seg", "base", "offset", "slope")
    else:
        parts = ("tag", "row", "col", "value") if width == 4 else ("tag", "in", "out")[:width]
    return [f"{name}.{part}" for part in parts]


def placement_name(hint: str) -> str:
    """A placement name from a value's name: letters, digits and `_` only."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in hint) or "p"
