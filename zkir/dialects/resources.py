"""Tensors stored as builtin dense resource blobs, and back to numpy.

Weights larger than a test case live outside the op text (MLIR's
`dense_resource<key>` with a `{-# dialect_resources #-}` trailer), so printing,
parsing and rewriting IR stays fast for real models. The blob encoding is MLIR's:
hex of a 4-byte little-endian alignment followed by the raw little-endian data.
"""

from __future__ import annotations

import hashlib

import numpy as np
from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
from xdsl.dialects.builtin import (
    Builtin,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    Float32Type,
    Float64Type,
    IntegerType,
    TensorType,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute

# Constants with at most this many elements are printed inline (readable tests).
INLINE_LIMIT = 16

TensorElement = Float32Type | Float64Type | IntegerType
"""The element types a numpy array is stored with (element_type_for)."""

_NUMPY_OF: dict[TensorElement, type[np.generic]] = {
    f32: np.float32, f64: np.float64, i64: np.int64, i32: np.int32, i8: np.int8
}
_ELEMENT_OF = {np.dtype(v): k for k, v in _NUMPY_OF.items()}


class _ContentAddressedBlobs(OpAsmDialectInterface):
    """Builtin's blob store, keyed by name plus content hash.

    xDSL's store renames a parsed key that already exists in the process, which
    detaches a file's references from its `dialect_resources` data when the same
    file is parsed twice (tests, pipelines). Our keys carry a hash of their
    content, so one key always means one blob and parsing keeps keys as written.
    """

    def declare_resource(self, key: str) -> str:
        self._blob_storage.setdefault(key, "")
        return key

    def parse_resource(self, key: str, val: str) -> None:
        # The store is per process: a second file (or a crafted one) defining a
        # known key with other data would silently change the first file's
        # tensors. One key, one blob: a clash is an error, never an overwrite.
        held = self._blob_storage.get(key)
        if held and held != val:
            raise ValueError(f"dense resource '{key}' is defined again with other data")
        super().parse_resource(key, val)


def _storage() -> OpAsmDialectInterface:
    interfaces = Builtin._interfaces  # pyright: ignore[reportPrivateUsage]
    for i, interface in enumerate(interfaces):
        if isinstance(interface, _ContentAddressedBlobs):
            return interface
        if isinstance(interface, OpAsmDialectInterface):
            replacement = _ContentAddressedBlobs()
            replacement._blob_storage.update(interface._blob_storage)  # pyright: ignore[reportPrivateUsage]
            interfaces[i] = replacement
            return replacement
    raise AssertionError("xDSL's builtin dialect has no resource storage")


def element_type_for(dtype: np.dtype) -> TensorElement:
    try:
        return _ELEMENT_OF[np.dtype(dtype)]
    except KeyError:
        raise ValueError(f"no tensor element type for numpy dtype {dtype}") from None


def numpy_dtype_for(element: Attribute) -> np.dtype:
    if isinstance(element, TensorElement) and element in _NUMPY_OF:
        return np.dtype(_NUMPY_OF[element])
    if element == i1:
        return np.dtype(np.bool_)
    raise ValueError(f"no numpy dtype for tensor element type {element}")


def dense_attr(
    array: np.ndarray, name: str = "blob", inline_limit: int = INLINE_LIMIT
) -> DenseIntOrFPElementsAttr | DenseResourceAttr:
    """An attribute holding `array`: inline when small, a named blob otherwise."""
    # np.ascontiguousarray would turn a 0-d array into shape [1]
    array = np.require(np.asarray(array), requirements="C")
    el = element_type_for(array.dtype)
    ty = TensorType(el, array.shape)
    if array.size <= inline_limit:
        if isinstance(el, Float32Type | Float64Type):
            return DenseIntOrFPElementsAttr.from_list(
                TensorType(el, array.shape), array.ravel().tolist()
            )
        return DenseIntOrFPElementsAttr.from_list(
            TensorType(el, array.shape), [int(v) for v in array.ravel()]
        )
    storage = _storage()
    data = array.astype(array.dtype.newbyteorder("<")).tobytes()
    # 16 bytes: two tensors of one name must never collide onto one key
    digest = hashlib.blake2b(data + str(ty).encode(), digest_size=16).hexdigest()
    key = storage.declare_resource(f"{_sanitise(name)}_{digest}")
    alignment = np.uint32(array.dtype.itemsize).tobytes()
    storage.parse_resource(key, "0x" + (alignment + data).hex())
    return DenseResourceAttr.from_params(key, ty)


def to_numpy(attr: Attribute) -> np.ndarray:
    """The values of a dense or dense-resource attribute, shaped."""
    if isinstance(attr, DenseResourceAttr):
        ty = attr.type
        assert isinstance(ty, TensorType)
        blob = _storage().lookup(attr.resource_handle.data)
        if not blob:
            raise ValueError(
                f"dense resource '{attr.resource_handle.data}' has no data "
                "(missing from the file's dialect_resources section)"
            )
        raw = bytes.fromhex(blob[2:])[4:]
        dtype = numpy_dtype_for(ty.element_type)
        values = np.frombuffer(raw, dtype=dtype.newbyteorder("<"))
        if values.size != ty.element_count():
            raise ValueError(
                f"dense resource '{attr.resource_handle.data}' holds {values.size} "
                f"values, its type {ty} needs {ty.element_count()}"
            )
        return values.astype(dtype).reshape(ty.get_shape())
    if isinstance(attr, DenseIntOrFPElementsAttr):
        dense_ty = attr.get_type()
        assert isinstance(dense_ty, TensorType)
        el = dense_ty.element_type
        dense_dtype = (
            numpy_dtype_for(el) if not isinstance(el, IntegerType) else np.dtype(np.int64)
        )
        items = attr.get_values()
        shape = dense_ty.get_shape()
        if len(items) == 1 and int(np.prod(shape)) != 1:  # splat
            return np.full(shape, items[0], dtype=dense_dtype)
        return np.asarray(items, dtype=dense_dtype).reshape(shape)
    raise ValueError(f"not a dense tensor attribute: {attr}")


def _sanitise(name: str) -> str:
    clean = "".join(c if c.isalnum() or c in "_." else "_" for c in name)
    return clean if clean and not clean[0].isdigit() else "r_" + clean
