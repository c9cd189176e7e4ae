"""What computed each item's PDQ hashes, so that items hashed before modmesh's PDQ matched
Meta's reference hasher are reported stale.

Revision ID: 0004
Revises: 0003

Until this revision modmesh scaled frames to 256 x 256 before PDQ, 8-24 bits off the
reference on its own images. Every PDQ item stored before is marked "pdq-256px"
(modmesh.similarity.hashing.LEGACY_HASHER): those added from media certainly, those
imported as hashes too, since the store did not record which they were (re-importing
them clears the mark). Similarity keeps no media, so they cannot be re-hashed here:
ListBanks counts them and matches on them say so, until they are re-added or
re-imported. Audio items have no PDQ hashes and an empty hasher. The column's default is
the legacy mark too: a pod of the release before, which does not write the column, still
hashes the old way while an update rolls.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

#: modmesh.similarity.hashing.LEGACY_HASHER when this was written.
LEGACY_HASHER = "pdq-256px"


def upgrade() -> None:
    op.add_column(
        "similarity_items",
        sa.Column("hasher", sa.String(16), nullable=False, server_default=LEGACY_HASHER),
    )
    items = sa.table("similarity_items", sa.column("kind"), sa.column("hasher"))
    op.execute(items.update().where(items.c.kind == "audio").values(hasher=""))
