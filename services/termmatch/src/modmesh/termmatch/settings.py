"""Termmatch's settings: the shared mesh settings plus its database, text limit and
audit key."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

AUDIT_KEY_ENV = ENV_PREFIX + "AUDIT_KEY"


@dataclass(frozen=True)
class TermMatchSettings(MeshSettings):
    #: A database of termmatch's own instead of database_url.
    termmatch_database_url: str = ""
    #: Largest text termmatch accepts in one request, in characters.
    max_text_chars: int = 1_000_000
    #: HMAC key of termmatch's audit chain of list edits (at least 32 bytes, from a
    #: Secret; `modmesh up` makes one). The database never holds it; never logged.
    audit_key: str = ""

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the term lists' store."""
        return self.database_url_for("termmatch", self.termmatch_database_url)
