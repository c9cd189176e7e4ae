from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modmesh.runtime.errors import InvalidArgument
from modmesh.similarity.hashing import MIN_QUALITY, bits_to_hex, hash_frames, hex_to_bits


def test_hex_form_round_trips_to_the_same_256_bits() -> None:
    bits = np.random.default_rng(7).integers(0, 2, 256, dtype=np.uint8)
    pdq_hex = bits_to_hex(bits)
    assert len(pdq_hex) == 64
    assert np.array_equal(hex_to_bits(pdq_hex, "f"), bits)
    assert np.array_equal(hex_to_bits(pdq_hex.upper(), "f"), bits)


def test_hex_form_puts_the_first_bit_first() -> None:
    bits = np.zeros(256, np.uint8)
    bits[0] = 1
    assert bits_to_hex(bits) == "8" + "0" * 63


@pytest.mark.parametrize("bad", ["", "ab" * 31, "ab" * 33, "g" * 64, "ab cd" + "0" * 59])
def test_bad_hex_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidArgument, match="64 hex characters") as refused:
        hex_to_bits(bad, "hashes.frames[3].pdq_hex")
    assert refused.value.violations[0].field == "hashes.frames[3].pdq_hex"


def test_frames_of_a_video_are_hashed_once_a_second_with_enough_quality(
    gift_card_clip: Path,
) -> None:
    hashes = hash_frames(gift_card_clip, fps=1.0)
    assert len(hashes) >= 4
    assert [h.timestamp_seconds for h in hashes] == [float(i) for i in range(len(hashes))]
    assert all(h.quality >= MIN_QUALITY for h in hashes)
    assert all(h.bits.shape == (256,) and set(np.unique(h.bits)) <= {0, 1} for h in hashes)


def test_media_without_video_gives_no_hashes(audio_only_clip: Path) -> None:
    assert hash_frames(audio_only_clip, fps=1.0) == []


def test_flat_frames_are_not_kept(flat_clip: Path) -> None:
    assert hash_frames(flat_clip, fps=1.0) == []
