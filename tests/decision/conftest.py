"""Fixtures decision's live tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from modmesh.decision.live.clips import ClipKeeper
from modmesh.runtime.blobs import BlobStore


@pytest.fixture
def clips(tmp_path: Path) -> ClipKeeper:
    """What each flag keeps, as decision's defaults say, in a blob store of the test's."""
    return ClipKeeper(
        BlobStore(tmp_path / "blobs", 1 << 26), before_seconds=10.0, after_seconds=5.0
    )
