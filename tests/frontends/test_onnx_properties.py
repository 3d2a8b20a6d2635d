"""Random convolution and pooling configurations against onnxruntime."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import helper

from onnx_helpers import assert_close, make_model, ort_run
from zkir.frontends.onnx import import_onnx
from zkir.interpreter.float_interp import run_float


@st.composite
def conv_case(draw):
    group = draw(st.sampled_from([1, 2, 3]))
    cin = group * draw(st.integers(1, 2))
    cout = group * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dil = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    strides = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    pads = [draw(st.integers(0, 2)) for _ in range(4)]
    h = draw(st.integers(dil[0] * (kh - 1) + 1, 9))
    w = draw(st.integers(dil[1] * (kw - 1) + 1, 9))
    bias = draw(st.booleans())
    return group, cin, cout, (kh, kw), dil, strides, pads, (h, w), bias


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_case(), st.integers(0, 2**31))
def test_random_conv_matches_onnxruntime(case, seed):
    group, cin, cout, (kh, kw), dil, strides, pads, (h, w), bias = case
    rng = np.random.default_rng(seed)
    inits = {"W": rng.normal(size=(cout, cin // group, kh, kw)).astype(np.float32)}
    ins = ["x", "W"]
    if bias:
        inits["B"] = rng.normal(size=cout).astype(np.float32)
        ins.append("B")
    node = helper.make_node("Conv", ins, ["y"], group=group, dilations=dil, strides=strides, pads=pads)
    model = make_model([node], [("x", [2, cin, h, w])], [("y", None)], inits)
    x = rng.normal(size=(2, cin, h, w)).astype(np.float32)
    assert_close(run_float(import_onnx(model), x)[0], ort_run(model, {"x": x})[0])


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["MaxPool", "AveragePool"]),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.lists(st.integers(0, 1), min_size=4, max_size=4),
    st.integers(0, 1),
    st.integers(4, 9),
    st.booleans(),
    st.integers(0, 2**31),
)
def test_random_pool_matches_onnxruntime(op, kh, kw, stride, pads, include_pad, size, ceil, seed):
    # ONNX requires pads smaller than the kernel
    pads = [min(p, (kh if i % 2 == 0 else kw) - 1) for i, p in enumerate(pads)]
    attrs = {"kernel_shape": [kh, kw], "strides": [stride, stride], "pads": pads}
    if op == "AveragePool":
        attrs["count_include_pad"] = include_pad
    if ceil and not (op == "AveragePool" and include_pad):  # that pair is refused
        attrs["ceil_mode"] = 1
    model = make_model([helper.make_node(op, ["x"], ["y"], **attrs)], [("x", [1, 2, size, size])], [("y", None)])
    x = np.random.default_rng(seed).normal(size=(1, 2, size, size)).astype(np.float32)
    assert_close(run_float(import_onnx(model), x)[0], ort_run(model, {"x": x})[0])
