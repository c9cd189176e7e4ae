from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import decode_audio, require_tool
from modmesh.similarity.audio import fingerprint, fingerprint_blocks
from modmesh.similarity.hashing import (
    MIN_QUALITY,
    HashRun,
    dedupe,
    distance,
    hash_frames,
    hash_video,
    parse_pdq_hex,
)


def test_hex_form_is_the_32_bytes_most_significant_first() -> None:
    assert parse_pdq_hex("8" + "0" * 63, "f") == b"\x80" + bytes(31)
    assert parse_pdq_hex("AB" * 32, "f") == b"\xab" * 32
    assert HashRun(b"\x80" + bytes(31), 0, 1, 90).hex == "8" + "0" * 63


@pytest.mark.parametrize("bad", ["", "ab" * 31, "ab" * 33, "g" * 64, "ab cd" + "0" * 59])
def test_bad_hex_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidArgument, match="64 hex characters") as refused:
        parse_pdq_hex(bad, "hashes.frames[3].pdq_hex")
    assert refused.value.violations[0].field == "hashes.frames[3].pdq_hex"


def test_distance_counts_differing_bits() -> None:
    assert distance(bytes(32), b"\x03" + bytes(30) + b"\x80") == 3


def test_frames_of_a_video_are_hashed_once_a_second_with_enough_quality(
    gift_card_clip: Path,
) -> None:
    [runs] = hash_frames(gift_card_clip, fps=1.0)
    assert len(runs) >= 4
    assert [(r.start_seconds, r.end_seconds) for r in runs] == [
        (float(i), float(i + 1)) for i in range(len(runs))
    ]
    assert all(r.quality >= MIN_QUALITY and len(r.pdq) == 32 for r in runs)


def test_consecutive_near_identical_frames_become_one_run() -> None:
    a, b = bytes(32), b"\xff" * 32
    nearly_a = b"\x01" + bytes(31)
    frames = [HashRun(h, i, i + 1, 90) for i, h in enumerate([a, nearly_a, a, b, a])]

    assert [(r.pdq, r.start_seconds, r.end_seconds) for r in dedupe(frames)] == [
        (a, 0, 3),
        (b, 3, 4),
        (a, 4, 5),
    ]
    assert len(dedupe(frames, within=0)) == 5, "a run keeps its first hash"


def test_a_still_image_is_one_run(tmp_path: Path, gift_card_clip: Path) -> None:
    import subprocess

    image = tmp_path / "frame.png"
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-ss", "1", "-i", str(gift_card_clip),
         "-frames:v", "1", str(image)],
        check=True,
    )  # fmt: skip
    [run] = hash_video(image, fps=1.0)
    assert run.start_seconds == 0.0


def test_media_of_which_no_frame_decodes_is_refused(audio_only_clip: Path) -> None:
    with pytest.raises(InvalidArgument, match="no video frame could be decoded"):
        hash_frames(audio_only_clip, fps=1.0)


def test_flat_frames_are_not_kept(flat_clip: Path) -> None:
    assert hash_frames(flat_clip, fps=1.0) == [[]]


def test_the_audio_fingerprint_made_block_by_block_is_the_one_made_at_once(
    known_recording: Path,
) -> None:
    samples = decode_audio(known_recording)
    whole = fingerprint(samples)
    for block_samples, block_frames in ((1000, 1), (4096, 3), (16_000, 1024)):
        blocks = [samples[i : i + block_samples] for i in range(0, len(samples), block_samples)]
        made = fingerprint_blocks(blocks, block_frames)
        assert np.array_equal(made.values, whole.values)
        assert np.array_equal(made.voiced, whole.voiced)
