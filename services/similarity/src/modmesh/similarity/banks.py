"""Banks of known items, each with its own index, kept level with the durable store.

Every write goes to the store first, then to the bank's index, so the store is the log
that a restart (or another replica) replays: a bank's first `sync` adds to its index
whatever the store holds that the index lacks and removes what the store no longer
holds; later ones read only the store's changes since the previous one (its `Mark`), so
a periodic refresh costs what changed, not the size of the bank. A bank's
index is rebuilt in a background thread when its delta grows past `rebuild_after`
entries; replicas that share read-only base files set it to 0 and follow the builder's
CURRENT file instead (`refresh`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from modmesh.similarity.audio import AudioIndex, Fingerprint
from modmesh.similarity.domain import Bank, BankStatus, Found, Match, Still, StoredItem
from modmesh.similarity.hashing import HashRun, packed
from modmesh.similarity.index import POSITION_BITS, HashIndex, IndexParams, make_keys
from modmesh.similarity.matching import audio_matches, group_hits, matches
from modmesh.similarity.store import Changes, Mark, SimilarityStore, unknown_bank


class BankIndexes:
    def __init__(
        self,
        store: SimilarityStore,
        directory: Path,
        params: IndexParams | None = None,
        *,
        rebuild_after: int = 20_000,
    ) -> None:
        self._store = store
        self._directory = directory
        self._params = params or IndexParams()
        self._rebuild_after = rebuild_after
        self._indexes: dict[str, HashIndex] = {}
        self._audio: dict[str, AudioIndex] = {}
        self._banks: dict[str, Bank] = {}
        self._lock = threading.Lock()
        self._rebuilds: dict[str, threading.Thread] = {}
        #: Per bank, how far `sync` has followed the store (absent: not synced yet).
        self._synced: dict[str, Mark] = {}

    def open(self) -> None:
        """Loads every bank's base index and replays the store's changes since it."""
        self.refresh()

    def refresh(self) -> None:
        """Brings every bank up to date with the store and with newer base files."""
        for bank in self._store.bank_settings():
            self._banks[bank.name] = bank
            index = self._index(bank.name)
            index.reload()
            self.sync(bank.name)

    def close(self) -> None:
        for thread in list(self._rebuilds.values()):
            thread.join()
        self._store.close()

    # -- banks --------------------------------------------------------------------------

    def create_bank(self, bank: Bank, *, actor: str) -> BankStatus:
        self._store.create_bank(bank, actor=actor)
        self._banks[bank.name] = bank
        return self._status(bank, 0)

    def bank(self, name: str, field: str = "bank") -> Bank:
        """The named bank; NotFound if it does not exist (in this replica's view or the
        store's: another replica may have just created it)."""
        bank = self._banks.get(name) or self._store.bank(name)
        if bank is None:
            raise unknown_bank(name, field)
        self._banks[name] = bank
        return bank

    def banks(self) -> list[BankStatus]:
        return [self._status(bank, count) for bank, count in self._store.banks()]

    def index(self, bank: str) -> HashIndex:
        """The bank's index, for its size and delta size (metrics) and for tests."""
        return self._index(self.bank(bank).name)

    # -- items --------------------------------------------------------------------------

    def add_item(self, item: StoredItem, *, actor: str) -> str:
        """Stores the item, then makes it searchable; returns the snapshot including it."""
        self.bank(item.bank)
        seq = self._store.add_item(item, actor=actor)  # durable before acknowledged
        if item.audio is not None:
            self._audio_index(item.bank).add(seq, item.audio)
        else:
            self._index(item.bank).add(make_keys(seq, len(item.runs)), packed(item.runs))
            self._maybe_rebuild(item.bank)
        return self._snapshot(item.bank)

    def remove_item(self, bank: str, item_id: str, *, actor: str) -> str:
        self.bank(bank)
        seq = self._store.remove_item(bank, item_id, actor=actor)
        self._index(bank).remove({seq})
        self._audio_index(bank).remove({seq})
        self._maybe_rebuild(bank)
        return self._snapshot(bank)

    def contains(self, bank: str, item_id: str) -> bool:
        return self._store.contains(bank, item_id)

    def nearest_still(self, bank: str, item_id: str, seconds: float) -> Still | None:
        return self._store.nearest_still(bank, item_id, seconds)

    def items(self, bank: str) -> Sequence[StoredItem]:
        self.bank(bank)
        return list(self._store.items(bank))

    # -- search -------------------------------------------------------------------------

    def search(
        self,
        query: Sequence[HashRun],
        *,
        banks: Sequence[str],
        k: int,
        max_distance: int | None = None,
    ) -> Found:
        """The k items nearest the query, closest first, from `banks` (empty: all), each
        bank with its own thresholds unless `max_distance` overrides its distance."""
        names = list(banks) or sorted(self._banks)
        hashes = packed(query)
        found: list[Match] = []
        snapshots = []
        for name in names:
            bank = self.bank(name)
            index = self._index(name)
            snapshot = self._snapshot(name)
            neighbours = index.search(
                hashes, max_distance=bank.max_distance if max_distance is None else max_distance
            )
            hits = group_hits(neighbours)
            items = self._store.summaries(list(hits))
            found += matches(query, hits, items, bank, snapshot)
            snapshots.append(snapshot)
        return _found(found, k, snapshots)

    def search_audio(self, query: Fingerprint, *, banks: Sequence[str], k: int) -> Found:
        """The k items whose audio fingerprint the query's best matches, from `banks`."""
        found: list[Match] = []
        snapshots = []
        for name in list(banks) or sorted(self._banks):
            bank = self.bank(name)
            snapshot = self._snapshot(name)
            hits = self._audio_index(name).search(query)
            owners = [hit.owner for hit in hits]
            items = self._store.summaries(owners)
            prints = self._store.audio_prints(owners)
            found += audio_matches(query, hits, items, prints, bank, snapshot)
            snapshots.append(snapshot)
        return _found(found, k, snapshots)

    # -- keeping the index level with the store ----------------------------------------

    def sync(self, bank: str) -> str:
        """Brings the bank's indexes level with the store; returns the snapshot."""
        since = self._synced.get(bank)
        if since is None:
            # The mark comes first: what is written meanwhile is read again next time,
            # and adding a held item or removing a missing one changes nothing.
            mark = self._store.mark(bank)
            self._reconcile(bank)
        else:
            changes = self._store.changes(bank, since)
            self._apply(bank, changes)
            mark = changes.mark
        self._synced[bank] = mark
        self._maybe_rebuild(bank)
        return self._snapshot(bank)

    def _apply(self, bank: str, changes: Changes) -> None:
        """Adds before it removes: an item added and removed since the mark stays out."""
        index = self._index(bank)
        pdq = changes.added.get("pdq", [])
        if pdq:
            owners, positions, hashes = self._store.hashes(bank, pdq)
            index.add((owners << POSITION_BITS) | positions, hashes)
        audio = self._audio_index(bank)
        for owner, print_ in self._store.audio_prints(changes.added.get("audio", [])).items():
            audio.add(owner, print_)
        if changes.removed:
            index.remove(set(changes.removed))
            audio.remove(changes.removed)

    def _reconcile(self, bank: str) -> None:
        """Adds to the bank's index what the store has and it lacks; removes the rest."""
        index = self._index(bank)
        live = set(self._store.item_seqs(bank).tolist())
        held = index.owners()
        missing = live - held
        if missing:
            # Everything at once when the index is empty (first start, lost base files).
            owners, positions, hashes = self._store.hashes(
                bank, None if not held else sorted(missing)
            )
            keys = (owners << POSITION_BITS) | positions
            index.add(keys, hashes)
        gone = held - live
        if gone:
            index.remove(gone)
        audio = self._audio_index(bank)
        live_audio = set(self._store.item_seqs(bank, "audio").tolist())
        held_audio = audio.owners()
        for owner, print_ in self._store.audio_prints(sorted(live_audio - held_audio)).items():
            audio.add(owner, print_)
        audio.remove(held_audio - live_audio)

    def rebuild(self, bank: str) -> str:
        """Builds the bank's base from the store now (blocking); returns the snapshot."""
        index = self._index(bank)

        def source() -> tuple[np.ndarray, np.ndarray]:
            owners, positions, hashes = self._store.hashes(bank)
            return (owners << POSITION_BITS) | positions, hashes

        index.rebuild(source)
        return self._snapshot(bank)

    def _maybe_rebuild(self, bank: str) -> None:
        if self._rebuild_after <= 0:
            return  # a follower replica: the builder writes the base files
        index = self._index(bank)
        if index.delta_size + index.tombstone_count < self._rebuild_after:
            return
        with self._lock:
            running = self._rebuilds.get(bank)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(
                target=self.rebuild, args=(bank,), name=f"rebuild-{bank}", daemon=True
            )
            self._rebuilds[bank] = thread
            thread.start()

    def _index(self, bank: str) -> HashIndex:
        with self._lock:
            index = self._indexes.get(bank)
            if index is None:
                index = HashIndex(self._directory / bank, self._params)
                self._indexes[bank] = index
            return index

    def _audio_index(self, bank: str) -> AudioIndex:
        with self._lock:
            return self._audio.setdefault(bank, AudioIndex())

    def _snapshot(self, bank: str) -> str:
        """ "bank=pdq-snapshot", with "+audio-snapshot" once the bank holds audio items."""
        snapshot = self._index(bank).snapshot
        audio = self._audio_index(bank)
        if audio.owners():
            snapshot += f"+{audio.snapshot}"
        return f"{bank}={snapshot}"

    def _status(self, bank: Bank, count: int) -> BankStatus:
        index = self._index(bank.name)
        return BankStatus(bank, count, self._snapshot(bank.name), index.base_size, index.delta_size)


def _found(found: list[Match], k: int, snapshots: list[str]) -> Found:
    found.sort(key=lambda m: (m.distance, -m.query_match_percent, m.bank, m.item_id))
    return Found(tuple(found[:k]), " ".join(snapshots))
