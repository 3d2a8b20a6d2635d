import functools

import pytest

from zkir.prover import SRS


@functools.lru_cache(maxsize=None)
def srs_for(k: int) -> SRS:
    return SRS.insecure_from_seed(k, b"tests")


@pytest.fixture(scope="session")
def srs():
    return srs_for
