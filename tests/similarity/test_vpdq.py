"""Meta's vPDQ hash files: written and read back line for line, runs of frames kept, the
reference's hex order kept, and vPDQ's two-sided match percentages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from modmesh.similarity.exchange import ExchangedItem, ExchangeError, read_items, write_items
from modmesh.similarity.hashing import HashRun, hash_video
from modmesh.similarity.vpdq import (
    VpdqError,
    VpdqFeature,
    features_of_runs,
    match,
    read_vpdq,
    runs_of_features,
    write_vpdq,
)
from tests.similarity.test_pdq_reference import DATA, REFERENCE

A, B, C, D = (bytes([byte]) * 32 for byte in (0x00, 0xFF, 0x0F, 0x33))
#: One bit away from A.
NEAR_A = b"\x01" + bytes(31)


def test_a_vpdq_file_has_a_line_per_frame_as_the_reference_writes_it() -> None:
    out = io.StringIO()
    write_vpdq(
        [VpdqFeature(0, 100, A, 0.0), VpdqFeature(30, 87, B, 1.0), VpdqFeature(61, 50, C, 2.0333)],
        out,
    )
    assert out.getvalue() == (
        f"0,100,{'00' * 32},0.000\n30,87,{'ff' * 32},1.000\n61,50,{'0f' * 32},2.033\n"
    )


def test_a_vpdq_file_reads_back_as_written() -> None:
    features = [VpdqFeature(0, 100, A, 0.0), VpdqFeature(1, 64, D, 0.5)]
    out = io.StringIO()
    write_vpdq(features, out)
    assert read_vpdq(out.getvalue().splitlines(), "clip.vpdq") == features


def test_runs_become_a_line_per_sampled_frame_and_come_back_as_runs() -> None:
    runs = [HashRun(A, 0.0, 3.0, 100), HashRun(B, 3.0, 4.0, 90)]

    features = features_of_runs(runs, fps=1.0)

    assert [(f.frame_number, f.pdq, f.timestamp_seconds) for f in features] == [
        (0, A, 0.0), (1, A, 1.0), (2, A, 2.0), (3, B, 3.0),
    ]  # fmt: skip
    assert runs_of_features(features, fps=1.0) == runs


def test_a_reference_image_written_as_vpdq_reads_back_as_the_reference_hex(
    tmp_path: Path,
) -> None:
    image = "bridge-3-rotate-180.jpg"
    item = ExchangedItem("bridge", "", tuple(hash_video(DATA / image, fps=1.0)))
    folder = tmp_path / "bank"
    assert write_items([item], folder) == 1

    line = (folder / "bridge.vpdq").read_text()
    assert line == f"0,100,{REFERENCE[image][0].hex()},0.000\n"
    assert line.split(",")[2] == "2dad5a64b1a142e7d362a09857da895ae63b8c7fc23794b766b319361fc93188"
    assert list(read_items(folder)) == [item]


def test_a_folder_of_vpdq_files_round_trips_item_ids_a_file_name_cannot_hold(
    tmp_path: Path,
) -> None:
    items = [
        ExchangedItem("clips/scam 1", "", (HashRun(A, 0.0, 2.0, 100), HashRun(B, 2.0, 3.0, 80))),
        ExchangedItem("image%2", "", (HashRun(C, 0.0, 1.0, 100),)),
    ]
    folder = tmp_path / "export"
    assert write_items(items, folder) == 2
    assert sorted(path.name for path in folder.iterdir()) == [
        "clips%2Fscam%201.vpdq", "image%252.vpdq",
    ]  # fmt: skip
    assert sorted(read_items(folder), key=lambda item: item.item_id) == items
    [single] = read_items(folder / "image%252.vpdq")
    assert single == items[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("0,100," + "ab" * 32 + ",0\n1,100,xyz,1.0\n", "clip.vpdq line 2: pdq_hex must be 64 hex"),
        ("0,100," + "ab" * 32 + "\n", "line 1: expected frame_number,quality,pdq_hex,timestamp"),
        ("0,high," + "ab" * 32 + ",0.0\n", "line 1: frame_number and quality must be integers"),
        ("0,101," + "ab" * 32 + ",0.0\n", "line 1: .* quality between 0 and 100"),
        ("0,100," + "ab" * 32 + ",-1\n", "line 1: frame_number and timestamp_seconds must be >= 0"),
        ("\n\n", "clip.vpdq: no hashes"),
    ],
)
def test_a_bad_vpdq_file_is_refused_naming_the_line(content: str, message: str) -> None:
    with pytest.raises(VpdqError, match=message):
        read_vpdq(content.splitlines(), "clip.vpdq")


def test_a_bad_vpdq_file_in_an_import_is_an_exchange_error(tmp_path: Path) -> None:
    (tmp_path / "clip.vpdq").write_bytes(b"0,100,\xff\xfe,0.0\n")
    with pytest.raises(ExchangeError, match=r"clip\.vpdq: not a vPDQ text file"):
        list(read_items(tmp_path))


def features(*hashes: bytes, quality: int = 100) -> list[VpdqFeature]:
    return [VpdqFeature(i, quality, pdq, float(i)) for i, pdq in enumerate(hashes)]


def test_match_percentages_are_shares_of_each_sides_unique_hashes() -> None:
    # Query: A (twice: counted once), B, C, D; compared: A nearly, and D.
    query = features(A, A, B, C, D)
    compared = features(NEAR_A, D, D)

    result = match(query, compared)

    assert (result.query_match_percent, result.compared_match_percent) == (50.0, 100.0)
    assert match(compared, query).query_match_percent == 100.0


def test_match_ignores_frames_below_the_quality_floor_and_honours_the_distance() -> None:
    query = [*features(A, B), VpdqFeature(9, 20, C, 9.0)]
    compared = features(NEAR_A, C)

    assert match(query, compared).query_match_percent == 50.0  # C is too flat to count
    assert match(query, compared).compared_match_percent == 50.0
    assert match(query, compared, max_distance=0).query_match_percent == 0.0
    assert match(query, features(C, quality=10)).query_match_percent == 0.0
