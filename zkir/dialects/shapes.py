"""Shape rules shared by the verifiers of every zkir dialect.

They live in one place so that `ml`, `gadget` and the interpreters agree on what
broadcasting and matmul shapes mean (numpy's rules, which ONNX also follows).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.utils.exceptions import VerifyException


def tensor_type(value: SSAValue | Attribute, what: str, op_name: str) -> TensorType:
    """The value's tensor type, or a VerifyException naming the op."""
    ty = value.type if isinstance(value, SSAValue) else value
    if not isinstance(ty, TensorType):
        raise VerifyException(f"{op_name}: {what} must be a ranked tensor, got {ty}")
    return ty


def broadcast_shapes(
    lhs: Sequence[int], rhs: Sequence[int], op_name: str
) -> tuple[int, ...]:
    """numpy broadcasting of two static shapes."""
    rank = max(len(lhs), len(rhs))
    a = (1,) * (rank - len(lhs)) + tuple(lhs)
    b = (1,) * (rank - len(rhs)) + tuple(rhs)
    out = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            raise VerifyException(
                f"{op_name}: shapes {list(lhs)} and {list(rhs)} do not broadcast"
            )
        out.append(max(x, y) if min(x, y) != 0 else 0)
    return tuple(out)


def matmul_shape(
    lhs: Sequence[int], rhs: Sequence[int], op_name: str
) -> tuple[int, ...]:
    """numpy.matmul's result shape for operands of rank >= 2."""
    if len(lhs) < 2 or len(rhs) < 2:
        raise VerifyException(
            f"{op_name}: operands must have rank >= 2, got {list(lhs)} and {list(rhs)}"
        )
    if lhs[-1] != rhs[-2]:
        raise VerifyException(
            f"{op_name}: contraction dimensions differ ({lhs[-1]} vs {rhs[-2]}) "
            f"for shapes {list(lhs)} and {list(rhs)}"
        )
    batch = broadcast_shapes(lhs[:-2], rhs[:-2], op_name)
    return (*batch, lhs[-2], rhs[-1])


def expect_shape(
    actual: Sequence[int], expected: Sequence[int], op_name: str, what: str = "result"
) -> None:
    if tuple(actual) != tuple(expected):
        raise VerifyException(
            f"{op_name}: {what} shape {list(actual)} does not match the expected "
            f"{list(expected)}"
        )


def normalise_axes(axes: Sequence[int], rank: int, op_name: str) -> tuple[int, ...]:
    """Axes as non-negative, unique, in range; negative axes count from the end."""
    out = []
    for axis in axes:
        a = axis + rank if axis < 0 else axis
        if not 0 <= a < rank:
            raise VerifyException(f"{op_name}: axis {axis} out of range for rank {rank}")
        if a in out:
            raise VerifyException(f"{op_name}: axis {axis} repeated")
        out.append(a)
    return tuple(out)


def reduced_shape(
    shape: Sequence[int], axes: Sequence[int], keepdims: bool
) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)
