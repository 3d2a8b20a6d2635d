"""The statement a proof proves: what each public value of the circuit means.

Why it lives in the verifying key: a verifier reads "these are the logits of
model M on this input" off the instance column, and that reading (which rows
hold which tensor, its shape and fixed-point scale, which rows hold public
weights and what they must be) is part of the claim. Setup serialises it into
the key's `statement` bytes, which the key's digest covers and every proof's
transcript absorbs; `zkir verify` reads the interpretation from the key alone,
so editing settings.json or swapping build files changes nothing a verifier
sees. Public constants (`--weights public`) are pinned by a digest of their
values: a proof carrying other weights is rejected naming the tensor.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from zkir.dialects.resources import to_numpy
from zkir.gadgets.io import IORole
from zkir.prover import VerificationError

FORMAT = "zkir-statement/1"
ROLES = (IORole.INPUT, IORole.OUTPUT, IORole.CONSTANT, IORole.ZERO)


def values_digest(values: np.ndarray) -> str:
    """A short, exact fingerprint of integer values (their int64 little-endian bytes)."""
    raw = np.ascontiguousarray(np.asarray(values, dtype="<i8")).tobytes()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def circuit_digest(plonk_text: str | bytes) -> str:
    data = plonk_text.encode() if isinstance(plonk_text, str) else plonk_text
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class PublicTensor:
    role: str
    """input, output, constant (public weights) or zero (the padding cell)."""
    name: str
    shape: list[int]
    scale: int | None
    """Fixed-point scale bits (None: raw field values)."""
    rows: list[int] = field(default_factory=list)
    """[first, end) rows of instance column 0; empty when the tensor is private."""
    digest: str = ""
    """For constants: values_digest of the values the model fixes there."""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def public(self) -> bool:
        return bool(self.rows)


@dataclass
class Statement:
    model: str
    circuit: str
    """circuit_digest of the compiled plonk IR the key was made for."""
    instance_rows: int
    tensors: list[PublicTensor]

    def to_bytes(self) -> bytes:
        body = {"format": FORMAT, **asdict(self)}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @staticmethod
    def from_bytes(data: bytes) -> Statement:
        """Parse the key's statement; ValueError when it is missing or not ours."""
        if not data:
            raise ValueError("the verifying key binds no statement (made by an older zkir: rerun zkir setup)")
        try:
            body = json.loads(data)
            if body.pop("format") != FORMAT:
                raise ValueError
            tensors = [PublicTensor(**t) for t in body.pop("tensors")]
            statement = Statement(tensors=tensors, **body)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise ValueError("the verifying key's statement is not a zkir statement") from None
        problem = statement._problem()
        if problem:
            raise ValueError(f"the verifying key's statement is not a zkir statement ({problem})")
        return statement

    def _problem(self) -> str:
        """What makes this parsed statement unusable ("" when nothing does): every
        field of the type the readers assume, every public tensor's rows inside the
        instance column and holding all its values."""

        def is_int(x: Any) -> bool:
            return isinstance(x, int) and not isinstance(x, bool)

        if not (isinstance(self.model, str) and isinstance(self.circuit, str)):
            return "model and circuit must be strings"
        if not is_int(self.instance_rows) or not 0 <= self.instance_rows <= 1 << 28:
            return "bad instance_rows"
        if not isinstance(self.tensors, list):
            return "tensors must be a list"
        for t in self.tensors:
            if t.role not in ROLES or not isinstance(t.name, str) or not isinstance(t.digest, str):
                return "a tensor with a bad role, name or digest"
            if not isinstance(t.shape, list) or not all(is_int(d) and d >= 0 for d in t.shape):
                return f"tensor '{t.name}': bad shape"
            if t.scale is not None and not is_int(t.scale):
                return f"tensor '{t.name}': bad scale"
            if not isinstance(t.rows, list) or len(t.rows) not in (0, 2) or not all(is_int(r) for r in t.rows):
                return f"tensor '{t.name}': bad rows"
            size = math.prod(t.shape)
            if t.rows and not (0 <= t.rows[0] <= t.rows[1] <= self.instance_rows and size <= t.rows[1] - t.rows[0]):
                return f"tensor '{t.name}': rows {t.rows} do not hold its {size} values in {self.instance_rows} rows"
        return ""

    def of(self, role: str) -> list[PublicTensor]:
        return [t for t in self.tensors if t.role == role]

    def public(self, role: str) -> list[PublicTensor]:
        """The tensors of `role` that the instance column holds."""
        return [t for t in self.of(role) if t.public]

    @property
    def private_inputs(self) -> list[str]:
        return [t.name for t in self.of(IORole.INPUT) if not t.public]

    def check_instance(self, instance: list[np.ndarray]) -> None:
        """Reject public values that do not fit the statement, naming what is wrong."""
        if len(instance) > 1:
            raise VerificationError(f"the proof carries {len(instance)} instance columns, the circuit has one")
        column = _column(instance)
        if column.shape[0] != self.instance_rows:
            raise VerificationError(
                f"the proof carries {column.shape[0]} public values, the circuit has {self.instance_rows}"
            )
        covered = np.zeros(column.shape[0], dtype=bool)
        for t in self.tensors:
            if not t.public:
                continue
            covered[t.rows[0] : t.rows[1]] = True
            if t.role in (IORole.CONSTANT, IORole.ZERO) and values_digest(self.raw(column, t)) != t.digest:
                raise VerificationError(
                    f"public {'weights' if t.role == IORole.CONSTANT else 'zero cell'} '{t.name}' in the proof are not "
                    "the model's (the proof was made with other public values than the key fixes)"
                )
        if np.any(column[~covered] != 0):
            raise VerificationError("the proof sets instance rows that belong to no public tensor")

    @staticmethod
    def raw(column: np.ndarray, t: PublicTensor) -> np.ndarray:
        return np.asarray(column[t.rows[0] : t.rows[1]][: t.size], dtype=np.int64)

    def values(self, instance: list[np.ndarray], role: str) -> dict[str, np.ndarray]:
        """The raw fixed-point values of the public tensors of `role`, shaped."""
        column = _column(instance)
        return {t.name: self.raw(column, t).reshape(t.shape) for t in self.public(role)}


def _column(instance: list[np.ndarray]) -> np.ndarray:
    """Instance column 0 as int64 (empty when the circuit has no public values)."""
    return np.asarray(instance[0], dtype=np.int64) if instance else np.zeros(0, dtype=np.int64)


def build_statement(plan: Any, inputs: list[Any], outputs: list[Any], model: str, plonk_text: str) -> Statement:
    """The statement of a compiled circuit. Rows come from the plan itself (not
    from settings.json); names, shapes and scales from the compile step's tensor
    infos (objects with name, shape, scale), checked against the placements."""
    io = plan.io_places()
    if len(io) != len(inputs) + len(outputs):
        raise ValueError(f"the circuit has {len(io)} input/output placements, the settings name "
                         f"{len(inputs) + len(outputs)} tensors")
    tensors: list[PublicTensor] = []
    roles = [IORole.INPUT] * len(inputs) + [IORole.OUTPUT] * len(outputs)
    for info, placed, role in zip(inputs + outputs, io, roles):
        size = int(np.prod(placed.op.port_shapes()[role.port], dtype=np.int64))
        if size != int(np.prod(info.shape, dtype=np.int64)):
            raise ValueError(f"{role} '{info.name}' has {size} elements in the circuit, shape {info.shape} in the settings")
        public = placed.columns[0].kind == "instance"
        rows = [placed.row, placed.row + placed.structure.rows] if public else []
        tensors.append(PublicTensor(role, info.name, list(info.shape), info.scale, rows))
    seen = {id(p) for p in io}
    for placed in plan.places.values():
        if id(placed) in seen or placed.columns[0].kind != "instance":
            continue
        if placed.kind not in (IORole.CONSTANT, IORole.ZERO):
            raise ValueError(f"placement @{placed.name} ({placed.kind}) sits in the instance column")
        shape = list(placed.op.port_shapes()["out"])
        if placed.kind == IORole.CONSTANT:
            values = to_numpy(placed.op.param("value")).astype(np.int64).ravel()
        else:
            values = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
        rows = [placed.row, placed.row + placed.structure.rows]
        tensors.append(PublicTensor(placed.kind, placed.name, shape, None, rows, values_digest(values)))
    instance_rows = max((t.rows[1] for t in tensors if t.public), default=0)
    return Statement(model, circuit_digest(plonk_text), instance_rows, tensors)
