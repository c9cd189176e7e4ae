from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modmesh.cli.samples import make_clip
from modmesh.runtime.blobs import BlobStore
from tests.support import LoopbackSettings, loopback_settings, postgres_schema
from tests.transcription.support import LiveStream, make_stream


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on both databases modmesh supports: the embedded SQLite
    default and PostgreSQL (see tests.support.postgres_schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'test.db'}"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def settings(tmp_path: Path) -> LoopbackSettings:
    return loopback_settings(tmp_path / "data")


@pytest.fixture
def blob_store(settings: LoopbackSettings) -> BlobStore:
    return BlobStore(settings.data_dir / "blobs", settings.max_media_bytes)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def gift_card_clip(media_dir: Path) -> Path:
    """A video whose speech says "free gift card" starting about 2 s in."""
    return make_clip(
        media_dir / "gift-card.mp4",
        "Hello there. Get your free gift card now.",
        lead_silence=2.0,
        video="testsrc2",
    )


@pytest.fixture(scope="session")
def gift_card_talk(tmp_path_factory: pytest.TempPathFactory) -> LiveStream:
    """A live stream of a few seconds that says "free gift card" once, after 1 s."""
    return make_stream(
        tmp_path_factory.mktemp("talk"),
        ((1.0, "Claim your free gift card today.", True), (2.0, "", False)),
    )
