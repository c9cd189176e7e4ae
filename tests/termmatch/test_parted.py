"""Parted maps and lists: a copy shares the parts and a write copies only its part, so
neither the copy nor the one copied from sees the other's later writes."""

from modmesh.termmatch.parted import MAP_PARTS, PartedList, PartedMap


def test_a_copied_map_writes_without_changing_the_original() -> None:
    original: PartedMap[str, int] = PartedMap()
    for number in range(10 * MAP_PARTS):
        original[f"key {number}"] = number
    copy = original.copy()
    copy["key 1"] = -1
    del copy["key 2"]
    copy["new"] = 7
    assert (original["key 1"], original.get("key 2"), original.get("new")) == (1, 2, None)
    assert (copy["key 1"], copy.get("key 2"), copy["new"]) == (-1, None, 7)
    assert len(original) == 10 * MAP_PARTS
    assert len(copy) == 10 * MAP_PARTS
    assert sum(a is not b for a, b in zip(original.parts, copy.parts, strict=True)) <= 3
    assert dict(copy.items()) == {
        **{k: v for k, v in original.items() if k != "key 2"},
        "key 1": -1,
        "new": 7,
    }


def test_a_copied_list_writes_and_grows_without_changing_the_original() -> None:
    original: PartedList[int] = PartedList()
    for number in range(10_000):
        original.append(number)
    copy = original.copy()
    copy[5] = -5
    copy.append(10_000)
    assert (len(original), original[5], original[9_999]) == (10_000, 5, 9_999)
    assert (len(copy), copy[5], copy[10_000]) == (10_001, -5, 10_000)


def test_dismantling_a_copy_a_part_at_a_time_leaves_the_original_whole() -> None:
    original: PartedMap[str, int] = PartedMap()
    for number in range(10 * MAP_PARTS):
        original[f"key {number}"] = number
    listed = PartedList(list(range(10_000)))
    map_steps = list(original.copy().dismantle())
    list_steps = list(listed.copy().dismantle())
    assert (len(map_steps), len(list_steps)) == (MAP_PARTS, len(listed.parts))
    assert dict(original.items()) == {f"key {n}": n for n in range(10 * MAP_PARTS)}
    assert [listed[i] for i in range(10_000)] == list(range(10_000))
