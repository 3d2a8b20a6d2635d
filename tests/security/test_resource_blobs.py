"""Weight blobs live in one store per process: a second definition of a known key
with other data must be refused, never overwrite the tensors already parsed."""

import numpy as np
import pytest

from zkir.dialects.resources import dense_attr, to_numpy
from zkir.ir_io import parse_module

TEXT = """builtin.module {{
  func.func @main() -> tensor<20xi64> {{
    %c = ml.constant {{value = dense_resource<{key}> : tensor<20xi64>}} : tensor<20xi64>
    func.return %c : tensor<20xi64>
  }}
}}
{{-# dialect_resources: {{ builtin: {{ {key}: "0x08000000{data}" }} }} #-}}
"""


def _text(key: str, values: np.ndarray) -> str:
    return TEXT.format(key=key, data=values.astype("<i8").tobytes().hex())


def test_a_clashing_blob_definition_is_refused_and_the_first_kept():
    first = np.arange(20, dtype=np.int64)
    attr = dense_attr(first, "w")
    key = attr.resource_handle.data
    assert len(key.rsplit("_", 1)[1]) == 32  # a 16-byte content digest in every key
    with pytest.raises(Exception, match="defined again with other data"):
        parse_module(_text(key, first + 1))
    assert np.array_equal(to_numpy(attr), first)
    # the same definition again (a file parsed twice) is fine
    parse_module(_text(key, first))
