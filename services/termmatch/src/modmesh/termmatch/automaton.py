"""An Aho-Corasick automaton over code points that never holds the GIL for long.

The service compiles a list's new version beside the serving one while matches go on.
A C library that links its automaton while holding the GIL (pyahocorasick) stalls every
match for the link time: a third of a second per 100,000 keys. This automaton is a few
flat numpy arrays, built and scanned by numba functions; the build is compiled with
`nogil=True`, so matches run while one is built, on the other core. What the building
thread does with the GIL held is cut into steps of a few thousand keys (see
`_keys_code_points`).

Layout: the trie's nodes are numbered in the order of the sorted keys (root 0); node v's
edges are `labels[first[v]:first[v + 1]]` (sorted) leading to `targets[...]`. `fail` is
the longest proper suffix that is a node, `value` the key's value where a key ends (-1
elsewhere), `next_output` the nearest node on the fail chain where a key ends (-1: none).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt

#: Keys turned into code points per step while the GIL is held (each step well under 1 ms).
_STEP_KEYS = 4096
#: Below this many keys, a range is sorted by insertion (multikey quicksort above).
_SMALL_RANGE = 12

#: Edges of a node looked at one by one; more are binary-searched.
_FEW_EDGES = 16

Codes = npt.NDArray[np.uint32]
Ints = npt.NDArray[np.int64]
#: Node numbers.
Nodes = npt.NDArray[np.int64]


@numba.njit(nogil=True, cache=True)
def _code_at(codes: Codes, starts: Ints, key: int, depth: int) -> int:
    """The key's code point at `depth`, or -1 past its end (shorter keys sort first)."""
    position = starts[key] + depth
    return int(codes[position]) if position < starts[key + 1] else -1


@numba.njit(nogil=True, cache=True)
def _sort_keys(codes: Codes, starts: Ints) -> Ints:
    """Key numbers in lexicographic order of their code points: a multikey quicksort
    (Bentley and Sedgewick), which compares each code point about once per level."""
    count = len(starts) - 1
    order = np.arange(count)
    stack = [(0, count, 0)]
    while stack:
        low, high, depth = stack.pop()
        if high - low < _SMALL_RANGE:
            for i in range(low + 1, high):
                key = order[i]
                j = i
                while j > low and _less(codes, starts, key, order[j - 1], depth):
                    order[j] = order[j - 1]
                    j -= 1
                order[j] = key
            continue
        a = _code_at(codes, starts, order[low], depth)
        b = _code_at(codes, starts, order[(low + high) // 2], depth)
        c = _code_at(codes, starts, order[high - 1], depth)
        pivot = max(min(a, b), min(max(a, b), c))  # median of three
        below, i, above = low, low, high
        while i < above:  # three-way partition around the pivot's code point
            code = _code_at(codes, starts, order[i], depth)
            if code < pivot:
                order[below], order[i] = order[i], order[below]
                below += 1
                i += 1
            elif code > pivot:
                above -= 1
                order[above], order[i] = order[i], order[above]
            else:
                i += 1
        stack.append((low, below, depth))
        stack.append((above, high, depth))
        if pivot >= 0:
            stack.append((below, above, depth + 1))
    return order


@numba.njit(nogil=True, cache=True)
def _less(codes: Codes, starts: Ints, key: int, other: int, depth: int) -> bool:
    while True:
        a = _code_at(codes, starts, key, depth)
        b = _code_at(codes, starts, other, depth)
        if a != b:
            return a < b
        if a < 0:
            return False
        depth += 1


@numba.njit(nogil=True, cache=True)
def _advance(
    root: Nodes, labels: Codes, targets: Nodes, first: Nodes, fail: Nodes, node: int, code: int
) -> int:
    """The node after reading `code` in `node`: its edge's target, else the fail chain's
    first node with such an edge, else the root. Edges from the root are in a table;
    from a node with a few of them (most nodes) they are looked at one by one, else
    binary-searched. (Written as one loop with the lookup inline: split into a lookup
    function with early returns, numba's code scanned 2-3 times slower.)"""
    while True:
        if node == 0:
            target = root[code] if code < len(root) else -1
        else:
            target = -1
            low, high = first[node], first[node + 1]
            if high - low > _FEW_EDGES:
                while low < high:
                    middle = (low + high) >> 1
                    if labels[middle] < code:
                        low = middle + 1
                    else:
                        high = middle
                if low < first[node + 1] and labels[low] == code:
                    target = targets[low]
            else:
                for edge in range(low, high):
                    if labels[edge] == code:
                        target = targets[edge]
                        break
        if target >= 0:
            return target
        if node == 0:
            return 0
        node = fail[node]


@numba.njit(nogil=True, cache=True)
def _build(
    codes: Codes, starts: Ints, values: Ints
) -> tuple[Nodes, Codes, Nodes, Nodes, Nodes, Nodes, Nodes]:
    order = _sort_keys(codes, starts)
    capacity = len(codes) + 1
    parent = np.empty(capacity, np.int64)
    label_of = np.empty(capacity, np.uint32)
    depth_of = np.zeros(capacity, np.int64)
    value = np.full(capacity, -1, np.int64)
    longest = 0
    for i in range(len(starts) - 1):
        longest = max(longest, starts[i + 1] - starts[i])
    path = np.zeros(longest + 1, np.int64)  # the previous key's nodes, by depth
    nodes = 1
    previous = -1
    for key in order:
        length = starts[key + 1] - starts[key]
        shared = 0
        if previous >= 0:  # sorted: the nodes of the common prefix are on the path
            limit = min(length, starts[previous + 1] - starts[previous])
            while (
                shared < limit and codes[starts[key] + shared] == codes[starts[previous] + shared]
            ):
                shared += 1
        for depth in range(shared, length):
            parent[nodes] = path[depth]
            label_of[nodes] = codes[starts[key] + depth]
            depth_of[nodes] = depth + 1
            path[depth + 1] = nodes
            nodes += 1
        if length > 0:
            value[path[length]] = values[key]
        previous = key
    # Edges grouped by parent. Nodes were numbered in sorted order, so a parent's
    # children come in increasing label order and a stable counting sort keeps it.
    first = np.zeros(nodes + 1, np.int64)
    for v in range(1, nodes):
        first[parent[v] + 1] += 1
    for v in range(nodes):
        first[v + 1] += first[v]
    fill = first[:-1].copy()
    labels = np.empty(nodes - 1, np.uint32)
    targets = np.empty(nodes - 1, np.int64)
    for v in range(1, nodes):
        slot = fill[parent[v]]
        labels[slot] = label_of[v]
        targets[slot] = v
        fill[parent[v]] += 1
    root = np.full(labels[first[1] - 1] + 1 if first[1] > 0 else 0, -1, np.int64)
    for edge in range(first[0], first[1]):
        root[labels[edge]] = targets[edge]
    # Fail links in breadth-first order: a node's fail is settled before its children's.
    by_depth = np.zeros(longest + 2, np.int64)
    for v in range(nodes):
        by_depth[depth_of[v] + 1] += 1
    for d in range(longest + 1):
        by_depth[d + 1] += by_depth[d]
    breadth_first = np.empty(nodes, np.int64)
    for v in range(nodes):
        breadth_first[by_depth[depth_of[v]]] = v
        by_depth[depth_of[v]] += 1
    fail = np.zeros(nodes, np.int64)
    next_output = np.full(nodes, -1, np.int64)
    for v in breadth_first[1:]:
        if parent[v] != 0:
            fail[v] = _advance(root, labels, targets, first, fail, fail[parent[v]], label_of[v])
        suffix = fail[v]
        next_output[v] = suffix if value[suffix] >= 0 else next_output[suffix]
    return root, labels, targets, first, fail, value[:nodes].copy(), next_output


# Holds the GIL: a scan of a chunk takes microseconds, and a thread that let the GIL go
# would have to wait for it again (up to the switch interval) while another runs Python.
@numba.njit(cache=True)
def _scan(
    text: Codes,
    root: Nodes,
    labels: Codes,
    targets: Nodes,
    first: Nodes,
    fail: Nodes,
    value: Nodes,
    next_output: Nodes,
) -> tuple[Ints, Ints]:
    ends = np.empty(16, np.int64)
    found = np.empty(16, np.int64)
    count = 0
    state = 0
    for position in range(len(text)):
        state = _advance(root, labels, targets, first, fail, state, text[position])
        hit = state if value[state] >= 0 else next_output[state]
        while hit > 0:
            if count == len(ends):
                ends = np.concatenate((ends, np.empty(count, np.int64)))
                found = np.concatenate((found, np.empty(count, np.int64)))
            ends[count] = position
            found[count] = value[hit]
            count += 1
            hit = next_output[hit]
    return ends[:count], found[:count]


def _keys_code_points(keys: Sequence[str]) -> tuple[Codes, Ints]:
    """Every key's code points in one array, and where each key starts (one more entry:
    the end). In steps, so that the GIL is let go between them."""
    lengths = np.zeros(len(keys) + 1, np.int64)
    for first in range(0, len(keys), _STEP_KEYS):
        lengths[first + 1 : first + 1 + _STEP_KEYS] = list(
            map(len, keys[first : first + _STEP_KEYS])
        )
    starts = np.cumsum(lengths)
    codes = np.empty(int(starts[-1]), np.uint32)
    for first in range(0, len(keys), _STEP_KEYS):
        chunk = "".join(keys[first : first + _STEP_KEYS]).encode("utf-32-le")
        begin = starts[first]
        codes[begin : begin + len(chunk) // 4] = np.frombuffer(chunk, np.uint32)
    return codes, starts


def warm_up() -> None:
    """Compiles the build and scan functions now (or loads them from numba's cache), not
    in the first request that needs them: seconds the first time, a quarter after."""
    Automaton(["warm"], [0]).iter(code_points("warm"))


def code_points(text: str) -> Codes:
    """A text as the automaton reads it (one array per text, for every automaton)."""
    return np.frombuffer(text.encode("utf-32-le"), np.uint32)


class Automaton:
    """Finds every occurrence of every key (overlapping ones too) in one pass."""

    def __init__(self, keys: Sequence[str], values: Sequence[int] | Ints) -> None:
        """`values[i]` is what an occurrence of `keys[i]` reports (a non-negative int);
        keys are distinct and not empty."""
        codes, starts = _keys_code_points(keys)
        self._arrays = _build(codes, starts, np.asarray(values, np.int64))

    def iter(self, text: Codes) -> list[tuple[int, int]]:
        """(index of the occurrence's last code point, its key's value) in text order,
        the longest key first where several end at one place (pyahocorasick's order)."""
        ends, found = _scan(text, *self._arrays)
        return list(zip(ends.tolist(), found.tolist(), strict=True))
