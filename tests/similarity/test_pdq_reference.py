"""modmesh's PDQ against Meta's reference hasher, on the reference's own regression
images (tests/similarity/data/pdq-reference/README.md says where they and their hashes
come from): still images and frames of a video made of them hash the same way."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from modmesh.runtime.media import MAX_FRAME_SIDE, sample_frames
from modmesh.similarity.hashing import (
    distance,
    hash_frames,
    hash_video,
    parse_pdq_hex,
    reference_downsample,
)
from tests.similarity.conftest import ffmpeg

DATA = Path(__file__).parent / "data" / "pdq-reference"
#: The issue's bound: every bit lost here is lost from the match threshold (31).
MAX_BITS_FROM_REFERENCE = 2


def hashes(name: str) -> dict[str, tuple[bytes, int]]:
    with (DATA / name).open(newline="") as rows:
        return {
            row["file"]: (parse_pdq_hex(row["pdq_hex"], "pdq_hex"), int(row["quality"]))
            for row in csv.DictReader(rows)
        }


REFERENCE = hashes("reference-hasher.csv")
README_EXAMPLE = hashes("expected.csv")


@pytest.mark.parametrize("image", sorted(REFERENCE))
def test_an_image_hashes_as_the_reference_hasher_hashes_it(image: str) -> None:
    [run] = hash_video(DATA / image, fps=1.0)
    reference, quality = REFERENCE[image]
    assert distance(run.pdq, reference) <= MAX_BITS_FROM_REFERENCE
    assert run.quality == quality


@pytest.mark.parametrize("image", sorted(README_EXAMPLE))
def test_the_hex_is_in_the_reference_bit_order(image: str) -> None:
    """The early hasher's example output is 4-12 bits from today's reference (it did not
    shrink large pictures first); a reversed or byte-swapped order would be ~128 away."""
    [run] = hash_video(DATA / image, fps=1.0)
    example, _ = README_EXAMPLE[image]
    assert distance(run.pdq, example) <= 12
    assert distance(run.pdq, example) == distance(REFERENCE[image][0], example)


@pytest.mark.parametrize(
    "codec",
    [
        pytest.param(["-c:v", "ffv1"], id="lossless FFV1"),
        pytest.param(["-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p"], id="H.264 crf 12"),
    ],
)
def test_frames_of_a_video_of_a_reference_image_hash_as_the_image(
    tmp_path: Path, codec: list[str]
) -> None:
    image = "bridge-1-original.jpg"
    video = tmp_path / "still.mkv"
    ffmpeg("-loop", "1", "-framerate", "4", "-t", "3", "-i", str(DATA / image), *codec, str(video))

    [runs] = hash_frames(video, fps=1.0)

    assert len(runs) == 3
    reference, _ = REFERENCE[image]
    assert [distance(run.pdq, reference) for run in runs] == [0, 0, 0]


def test_frames_are_decoded_at_their_own_size_up_to_the_cap(tmp_path: Path) -> None:
    image, wide = DATA / "bridge-1-original.jpg", tmp_path / "wide.png"
    [(_, frame)] = sample_frames(image, fps=1.0)
    assert frame.shape == (1004, 1600, 3)

    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={MAX_FRAME_SIDE + 904}x200", "-frames:v", "1",
           str(wide))  # fmt: skip
    [(_, frame)] = sample_frames(wide, fps=1.0)
    assert frame.shape == (200, MAX_FRAME_SIDE, 3)


def test_large_frames_shrink_as_the_reference_shrinks_them() -> None:
    """CImg's nearest neighbour: output pixel x is input pixel floor(x * width / 512)."""
    rows, cols = np.meshgrid(np.arange(1000), np.arange(1030), indexing="ij")
    frame = np.stack([rows % 256, cols % 256, (rows // 256) * 16 + cols // 256], axis=2)
    small = reference_downsample(frame.astype(np.uint8))

    assert small.shape == (512, 512, 3)
    assert small[1, 1].tolist() == [1, 2, 0]  # rows floor(1000/512) = 1, cols floor(1030/512) = 2
    assert small[511, 511].tolist() == [998 % 256, 1027 % 256, 3 * 16 + 4]
    assert reference_downsample(frame[:512, :300].astype(np.uint8)).shape == (512, 300, 3)
