"""Similarity's settings: the shared mesh settings plus its database, frame sampling and
index tuning (MODMESH_SIMILARITY_*, MODMESH_FRAME_SAMPLE_FPS)."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

AUDIT_KEY_ENV = ENV_PREFIX + "AUDIT_KEY"


@dataclass(frozen=True)
class SimilaritySettings(MeshSettings):
    #: A database of similarity's own instead of database_url.
    similarity_database_url: str = ""
    #: Video frames hashed per second of media.
    frame_sample_fps: float = 1.0
    #: Similarity index: annoy trees and nodes inspected per query (see bench/similarity).
    similarity_index_trees: int = 16
    similarity_search_k: int = 2_000
    #: Hashes added or removed since a bank's base index was built that trigger a
    #: background rebuild; 0 never rebuilds (a replica following shared base files).
    similarity_rebuild_after: int = 20_000
    #: Seconds between picking up other replicas' writes from the store (0: never).
    similarity_refresh_seconds: float = 5.0
    #: HMAC key of similarity's audit chain of bank and item changes (at least 32 bytes,
    #: from a Secret; `modmesh up` makes one). The database never holds it; never logged.
    audit_key: str = ""

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the banks' store."""
        return self.database_url_for("similarity", self.similarity_database_url)
