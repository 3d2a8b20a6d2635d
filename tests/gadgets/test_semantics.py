"""Each gadget's witness computes its `evaluate`: the integer meaning of its op.

The gadget interpreter (zkir.gadgets.interpret) runs `evaluate` on an op's ports;
the circuit runs `assign`. These tests hold the two together per gadget, and
check that every gadget op of the dialect has a registered gadget.
"""

import numpy as np
import pytest
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, TensorType, i64

from zkir.dialects import gadget as gd
from zkir.gadgets.base import GADGETS
from zkir.gadgets.registry import gadget_class, gadget_for

from gadget_checks import rng

x = rng.integers(-2000, 2000, (3, 5))
pos = rng.integers(1, 5000, (3, 5))
table = rng.integers(-50, 50, (6, 4))
table_attr = DenseIntOrFPElementsAttr.from_list(TensorType(i64, table.shape), table.ravel().tolist())

CASES = [
    ("dot", {}, {"lhs": x, "rhs": rng.integers(-9, 9, (5, 2))}),
    ("sum", {}, {"input": x}),
    ("add", {}, {"lhs": x, "rhs": pos}),
    ("sub", {}, {"lhs": x, "rhs": pos}),
    ("mul", {}, {"lhs": x, "rhs": pos}),
    ("square", {}, {"input": x}),
    ("maximum", {"table_bits": 8}, {"lhs": x, "rhs": pos}),
    ("less", {"table_bits": 8}, {"lhs": x, "rhs": pos}),
    ("select", {}, {"cond": (x > 0).astype(np.int64), "lhs": x, "rhs": pos}),
    ("rescale", {"divisor": 16, "table_bits": 8}, {"input": x * 7, "bias": pos}),
    ("rescale", {"divisor": 16, "table_bits": 8, "relu": True}, {"input": x * 7, "bias": -pos}),
    ("var_div", {"shift": 4, "table_bits": 8}, {"num": x, "den": pos}),
    ("sqrt", {"shift": 2, "table_bits": 8}, {"input": pos}),
    ("lookup", {"fn": "tanh", "table_bits": 14, "scale": 8}, {"input": x}),
    ("lookup", {"fn": "sqrt", "table_bits": 16, "scale": 8, "in_scale": 16}, {"input": pos}),
    ("embed", {"table": "embed_t", "value": table_attr}, {"indices": np.broadcast_to(np.array([[5], [0], [2]]), (3, 4))}),
]


@pytest.mark.parametrize("kind, values, inputs", CASES, ids=[c[0] for c in CASES])
def test_the_witness_computes_the_gadgets_meaning(kind, values, inputs):
    cls = gadget_class(kind)
    params = cls.Params.from_values(values)
    g = gadget_for(kind, 24, params)
    assigned = g.assign(inputs)
    expected = cls.evaluate(params, inputs)
    np.testing.assert_array_equal(np.asarray(assigned.outputs["out"]).ravel(), np.asarray(expected).ravel())


def test_range_check_means_a_bound():
    params = gadget_class("range_check").Params.from_values({"bits": 6, "table_bits": 4})
    assert gadget_class("range_check").evaluate(params, {"input": np.array([-32, 31])}) is None
    with pytest.raises(OverflowError):
        gadget_class("range_check").evaluate(params, {"input": np.array([32])})


def test_every_gadget_op_has_a_registered_gadget_with_a_meaning():
    ops = [op for op in gd.GadgetDialect.operations if issubclass(op, gd.GadgetOpInterface)]
    assert len(ops) >= 12
    for op in ops:
        cls = GADGETS.get(op.GADGET_KIND)
        assert cls is not None, f"{op.name}: no gadget of kind {op.GADGET_KIND}"
        assert "evaluate" in {k for c in cls.__mro__ if c.__name__ != "Gadget" for k in vars(c)}, cls


def test_params_refuse_unknown_fields_and_read_ir_attributes():
    cls = gadget_class("rescale")
    with pytest.raises(ValueError, match="no parameter 'divsor'"):
        cls.Params.from_values({"divsor": 16})
    attrs = cls.Params.from_values({"divisor": 16, "table_bits": 8, "relu": True}).to_attrs()
    assert list(attrs) == ["divisor", "table_bits", "relu"]
    assert cls.Params.from_values(attrs) == cls.Params.from_values({"divisor": 16, "table_bits": 8, "relu": 1})
    assert "relu" not in cls.Params.from_values({"divisor": 16, "table_bits": 8}).to_attrs()
