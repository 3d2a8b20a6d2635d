"""The errors an importer reports to users: one readable line each, never a trace.

`UnsupportedModel` lists every unsupported (op, node, attribute) at once, so a
user sees the whole gap in one run instead of fixing one node at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkir.errors import ModelError  # defined below every layer that raises it


@dataclass(frozen=True)
class Unsupported:
    op: str
    node: str
    detail: str  # the attribute or input that is unsupported, or "" for the op

    def __str__(self) -> str:
        where = f"{self.op} (node '{self.node}')"
        return f"{where}: {self.detail}" if self.detail else f"{where}: op not supported"


class UnsupportedModel(ModelError):
    def __init__(self, items: Sequence[Unsupported]):
        self.items = list(dict.fromkeys(items))
        super().__init__(
            f"unsupported in this model ({len(self.items)}): "
            + "; ".join(str(i) for i in self.items)
        )


__all__ = ["ModelError", "Unsupported", "UnsupportedModel"]
