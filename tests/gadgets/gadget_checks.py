"""Shared checks of the gadget tests: ports point at the cells holding their tensors."""

import numpy as np

from zkir.gadgets.check import check_assignment

rng = np.random.default_rng(7)


def assert_ports_hold(assignment, tensors):
    for name, tensor in tensors.items():
        port = assignment.ports[name]
        assert port.shape == tensor.shape
        np.testing.assert_array_equal(
            assignment.cells[port.row, port.slot], tensor.ravel()[port.elem], err_msg=name
        )
        slots, rows = port.first_cells()
        np.testing.assert_array_equal(assignment.cells[rows, slots], tensor.ravel())


def assert_zero_ports_are_zero(assignment):
    port = assignment.ports.get("zeros")
    if port is not None:
        assert not assignment.cells[port.row, port.slot].any()


def assert_one_wrong_cell_is_caught(gadget, inputs, slot, expected):
    """Bump one cell of row 0: a gate or lookup named `expected...` fails at row 0 or 1."""
    a = gadget.assign(inputs)
    a.cells[0, slot] += 1
    failures = check_assignment(gadget, a)
    assert failures and failures[0].constraint.startswith(expected)
    assert failures[0].row in (0, 1)
