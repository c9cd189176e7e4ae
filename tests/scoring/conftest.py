"""The model is loaded once for the whole package: it is the slow part (seconds), and
reading it is all a test needs of it."""

import pytest

from modmesh.scoring.embedding import Encoder, load_encoder


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder(threads=1)
