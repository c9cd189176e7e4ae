"""A map and a list of a million items that a new version copies and frees in pieces.

An edit compiles a list's new version from the one serving (see matcher._Group). Copying
a million-entry dict or list, freeing one, or growing a dict to a million entries is one
C call that holds the GIL for tens of milliseconds, and every match waits meanwhile.
These keep their items in parts of a few thousand: a copy shares the parts and copies a
part only when it first writes to it, and a growing map resizes one small part at a time.
The one copied from must not be written to afterwards (versions are immutable once built).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: Parts of a map: about 4,000 keys each at a million.
MAP_PARTS = 256
#: Items of a list part.
LIST_PART_SHIFT = 12
_LIST_PART = 1 << LIST_PART_SHIFT
LIST_PART_MASK = _LIST_PART - 1


class PartedMap(Generic[K, V]):
    """Key k is in parts[hash(k) % MAP_PARTS]: two maps part the same key alike."""

    def __init__(self) -> None:
        self.parts: list[dict[K, V]] = [{} for _ in range(MAP_PARTS)]
        self._owned = [True] * MAP_PARTS

    def copy(self) -> PartedMap[K, V]:
        clone: PartedMap[K, V] = PartedMap.__new__(PartedMap)
        clone.parts = list(self.parts)
        clone._owned = [False] * MAP_PARTS
        self._owned = [False] * MAP_PARTS
        return clone

    def part(self, key: K) -> dict[K, V]:
        """The part that holds `key`, for reading."""
        return self.parts[hash(key) % MAP_PARTS]

    def get(self, key: K) -> V | None:
        return self.parts[hash(key) % MAP_PARTS].get(key)

    def __getitem__(self, key: K) -> V:
        return self.parts[hash(key) % MAP_PARTS][key]

    def __setitem__(self, key: K, value: V) -> None:
        self._writable(hash(key) % MAP_PARTS)[key] = value

    def __delitem__(self, key: K) -> None:
        del self._writable(hash(key) % MAP_PARTS)[key]

    def __len__(self) -> int:
        return sum(map(len, self.parts))

    def items(self) -> Iterator[tuple[K, V]]:
        for part in self.parts:
            yield from part.items()

    def dismantle(self) -> Iterator[None]:
        """Lets go of the parts one at a time, yielding between them; the map is unusable
        afterwards. Parts a copy shares stay alive with it."""
        while self.parts:
            self.parts.pop()
            yield

    def _writable(self, index: int) -> dict[K, V]:
        if not self._owned[index]:
            self.parts[index] = self.parts[index].copy()
            self._owned[index] = True
        return self.parts[index]


class PartedList(Generic[V]):
    """Item i is parts[i >> LIST_PART_SHIFT][i & LIST_PART_MASK] (`parts` is read
    directly in loops over a million items, where a method call per item would double
    their time)."""

    def __init__(self, items: list[V] | None = None) -> None:
        items = items or []
        self.parts: list[list[V]] = [
            items[first : first + _LIST_PART] for first in range(0, len(items), _LIST_PART)
        ]
        self._owned = [True] * len(self.parts)
        self._length = len(items)

    def copy(self) -> PartedList[V]:
        clone: PartedList[V] = PartedList.__new__(PartedList)
        clone.parts = list(self.parts)
        clone._owned = [False] * len(self.parts)
        clone._length = self._length
        self._owned = [False] * len(self.parts)
        return clone

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> V:
        return self.parts[index >> LIST_PART_SHIFT][index & LIST_PART_MASK]

    def __setitem__(self, index: int, value: V) -> None:
        self._writable(index >> LIST_PART_SHIFT)[index & LIST_PART_MASK] = value

    def append(self, value: V) -> None:
        if self._length % _LIST_PART == 0:
            self.parts.append([])
            self._owned.append(True)
        self._writable(len(self.parts) - 1).append(value)
        self._length += 1

    def dismantle(self) -> Iterator[None]:
        """As PartedMap.dismantle."""
        while self.parts:
            self.parts.pop()
            yield

    def _writable(self, index: int) -> list[V]:
        if not self._owned[index]:
            self.parts[index] = self.parts[index].copy()
            self._owned[index] = True
        return self.parts[index]
