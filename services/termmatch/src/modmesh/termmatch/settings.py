"""Termmatch's settings: the shared mesh settings plus its database and text limit."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import MeshSettings


@dataclass(frozen=True)
class TermMatchSettings(MeshSettings):
    #: A database of termmatch's own instead of database_url.
    termmatch_database_url: str = ""
    #: Largest text termmatch accepts in one request, in characters.
    max_text_chars: int = 1_000_000

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the term lists' store."""
        return self.database_url_for("termmatch", self.termmatch_database_url)
