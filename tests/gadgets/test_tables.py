"""Table names cover table contents, and a registry refuses two contents per name."""

import itertools

import numpy as np
import pytest

from zkir.gadgets.embedding import EmbeddingTable
from zkir.gadgets.tables import TableClashError, TableRegistry, TableSpec
from zkir.interpreter.nonlinear import NONLINEARITIES


def test_a_clash_raises_naming_both_tables_and_their_users():
    registry = TableRegistry()
    registry.register(EmbeddingTable("embed_t", np.arange(6).reshape(2, 3)), "@first")
    with pytest.raises(TableClashError, match=r"'embed_t'.*2x3 matrix.*@first.*3x2 matrix.*@second"):
        registry.register(EmbeddingTable("embed_t", np.arange(6).reshape(3, 2)), "@second")
    with pytest.raises(TableClashError, match=r"'embed_t'.*@first.*@third"):
        registry.register(EmbeddingTable("embed_t", np.arange(1, 7).reshape(2, 3)), "@third")


def test_equal_contents_share_one_entry():
    registry = TableRegistry()
    first = registry.register(EmbeddingTable("embed_t", np.arange(6).reshape(2, 3)), "@a")
    assert registry.register(EmbeddingTable("embed_t", np.arange(6).reshape(2, 3)), "@b") is first
    # parameters that do not change the contents do not clash
    registry.register(TableSpec("range", 8), "@c")
    registry.register(TableSpec("range", 8, scale=3), "@d")
    registry.register(TableSpec("relu", 8, 4), "@e")
    registry.register(TableSpec("relu", 8, 4, in_scale=4), "@f")
    assert len(registry) == 3


def test_a_nonlinearity_clash_raises():
    """Two specs can only share a name if the name format were ambiguous; the
    registry would still refuse them (simulated with a forged name)."""

    class Forged(TableSpec):
        @property
        def name(self) -> str:
            return "tanh16_s8"

    registry = TableRegistry()
    registry.register(TableSpec("tanh", 16, 8), "@a")
    with pytest.raises(TableClashError, match=r"'tanh16_s8'.*tanh\(bits=16, scale=8\).*@a.*tanh\(bits=16, scale=7\).*@b"):
        registry.register(Forged("tanh", 16, 7), "@b")


def test_nonlinearity_names_cover_every_parameter_that_changes_the_contents():
    specs = [
        TableSpec(fn, bits, scale, in_scale)
        for fn in ["range", *sorted(NONLINEARITIES)]
        for bits, scale, in_scale in itertools.product([4, 8, 12, 16], [0, 4, 8, 16], [None, 0, 8, 16])
    ]
    by_name: dict[str, tuple] = {}
    for spec in specs:
        assert by_name.setdefault(spec.name, spec.content_key()) == spec.content_key(), spec
    # and equal keys really are equal contents (spot check small tables)
    for a, b in [(TableSpec("range", 4), TableSpec("range", 4, 8)), (TableSpec("exp", 6, 4), TableSpec("exp", 6, 4, 4))]:
        assert a.content_key() == b.content_key()
        for x, y in zip(a.contents(), b.contents()):
            np.testing.assert_array_equal(x, y)
    assert not any(fn[-1].isdigit() for fn in NONLINEARITIES), "a digit at the end would run into the bits"
