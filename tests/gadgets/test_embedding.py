"""embedding gadget: rows of a constant matrix looked up by run-time indices."""

import numpy as np
import pytest

from zkir.gadgets.check import check_assignment

from gadget_checks import rng


def test_embedding_looks_rows_up_and_catches_a_wrong_value():
    from zkir.gadgets.embedding import EmbeddingGadget, EmbeddingTable

    table = EmbeddingTable("wte", rng.integers(-100, 100, (10, 4)))
    gadget = EmbeddingGadget(6, table)
    ids = rng.integers(0, 10, (2, 3))
    a = gadget.assign({"indices": np.broadcast_to(ids[..., None], (2, 3, 4))})
    np.testing.assert_array_equal(a.outputs["out"], table.values[ids])
    assert check_assignment(gadget, a) == []
    a.cells[0, 1] += 1
    assert [f.constraint for f in check_assignment(gadget, a)] == ["embed_wte_0"]
    with pytest.raises(OverflowError, match="outside the table's 10 rows"):
        gadget.assign({"indices": np.full((1, 4), 10)})
