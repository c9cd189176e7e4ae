"""Durable storage of known items and their frame hashes (SQLAlchemy, SQLite by default).

The store is the source of truth: the annoy index is derived from it and can always be
rebuilt from it. Items are append-only, kept in the order they were added, so that the
same store always yields the same index layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import AlreadyExists
from modmesh.similarity.hashing import FrameHash, bits_to_bytes, bytes_to_bits


@dataclass(frozen=True)
class StoredItem:
    """A known item: its identity, label and the hashes of its frames."""

    bank: str
    item_id: str
    label: str
    #: Frames per second the item was sampled at; a frame covers 1/sample_fps seconds.
    sample_fps: float
    frames: tuple[FrameHash, ...]


class ItemStore(Protocol):
    def add(self, item: StoredItem) -> None:
        """Stores the item durably; raises AlreadyExists for a taken (bank, item_id)."""

    def contains(self, bank: str, item_id: str) -> bool: ...

    def items(self) -> list[StoredItem]:
        """Every item, in the order added."""

    def close(self) -> None: ...


_metadata = sa.MetaData()

_items = sa.Table(
    "items",
    _metadata,
    # The insertion order, which fixes each frame's position in the index.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("bank", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(256), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("sample_fps", sa.Float, nullable=False),
    sa.UniqueConstraint("bank", "item_id"),
)

_frames = sa.Table(
    "frames",
    _metadata,
    sa.Column("item_seq", sa.ForeignKey("items.seq"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("timestamp_seconds", sa.Float, nullable=False),
    sa.Column("quality", sa.Integer, nullable=False),
    # 32 bytes: 256 bits packed.
    sa.Column("pdq", sa.LargeBinary(32), nullable=False),
)


class SqlItemStore:
    def __init__(self, url: str) -> None:
        self._engine = open_engine(url)
        _metadata.create_all(self._engine)

    def add(self, item: StoredItem) -> None:
        # One transaction: an item is stored with all its hashes or not at all.
        try:
            with self._engine.begin() as connection:
                seq = connection.execute(
                    _items.insert()
                    .values(
                        bank=item.bank,
                        item_id=item.item_id,
                        label=item.label,
                        sample_fps=item.sample_fps,
                    )
                    .returning(_items.c.seq)
                ).scalar_one()
                connection.execute(
                    _frames.insert(),
                    [
                        {
                            "item_seq": seq,
                            "position": position,
                            "timestamp_seconds": frame.timestamp_seconds,
                            "quality": frame.quality,
                            "pdq": bits_to_bytes(frame.bits),
                        }
                        for position, frame in enumerate(item.frames)
                    ],
                )
        except IntegrityError:
            raise already_exists(item.bank, item.item_id) from None

    def contains(self, bank: str, item_id: str) -> bool:
        query = sa.select(_items.c.seq).where(_items.c.bank == bank, _items.c.item_id == item_id)
        with self._engine.connect() as connection:
            return connection.execute(query).first() is not None

    def items(self) -> list[StoredItem]:
        with self._engine.connect() as connection:
            item_rows = connection.execute(sa.select(_items).order_by(_items.c.seq)).all()
            frame_rows = connection.execute(
                sa.select(_frames).order_by(_frames.c.item_seq, _frames.c.position)
            ).all()
        frames_by_item: dict[int, list[FrameHash]] = {}
        for row in frame_rows:
            frames_by_item.setdefault(row.item_seq, []).append(
                FrameHash(bytes_to_bits(row.pdq), row.timestamp_seconds, row.quality)
            )
        return [
            StoredItem(
                bank=row.bank,
                item_id=row.item_id,
                label=row.label,
                sample_fps=row.sample_fps,
                frames=tuple(frames_by_item.get(row.seq, ())),
            )
            for row in item_rows
        ]

    def close(self) -> None:
        self._engine.dispose()


def already_exists(bank: str, item_id: str) -> AlreadyExists:
    return AlreadyExists(f"item {item_id!r} already exists in bank {bank!r}", field="item_id")
