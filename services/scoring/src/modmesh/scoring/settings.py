"""Scoring's settings: the shared mesh settings plus its database, model, threads, text
limit and audit key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

AUDIT_KEY_ENV = ENV_PREFIX + "AUDIT_KEY"


@dataclass(frozen=True)
class ScoringSettings(MeshSettings):
    #: A database of scoring's own instead of database_url.
    scoring_database_url: str = ""
    #: A directory with a sentence-transformers model to use instead of the packaged
    #: all-MiniLM-L6-v2 (empty: the packaged one). Nothing is ever downloaded.
    scoring_model_dir: str = ""
    #: CPU threads the model uses per process: one, so replicas scale with cores.
    scoring_threads: int = 1
    #: Largest text scored in one request, in characters (about four hours of speech).
    scoring_max_text_chars: int = 250_000
    #: HMAC key of scoring's audit chain of example set edits (at least 32 bytes, from a
    #: Secret; `modmesh up` makes one). The database never holds it; never logged.
    audit_key: str = ""

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the example sets' store."""
        return self.database_url_for("scoring", self.scoring_database_url)

    @property
    def model_dir(self) -> Path | None:
        return Path(self.scoring_model_dir) if self.scoring_model_dir else None
