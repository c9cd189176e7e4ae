from pathlib import Path

import numpy as np
import pytest

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import (
    AUDIO_SAMPLE_RATE,
    decode_audio,
    pcm16_blocks,
    probe,
    sample_frames,
)


def test_probe_describes_a_video_with_sound(gift_card_clip: Path) -> None:
    info = probe(gift_card_clip)
    assert info.has_audio
    assert info.has_video
    assert 5 < info.duration_seconds < 15


def test_a_file_that_is_not_media_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("this is not a video\n" * 50)
    with pytest.raises(InvalidArgument, match="not a media file"):
        probe(text)


def test_the_refusal_of_unreadable_bytes_does_not_reveal_where_they_are_stored(
    tmp_path: Path,
) -> None:
    garbage = tmp_path / "secret-storage-dir" / "blob"
    garbage.parent.mkdir()
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InvalidArgument, match="not a media file") as refused:
        probe(garbage)
    assert "secret-storage-dir" not in str(refused.value)


def test_audio_decodes_to_16khz_mono_samples(gift_card_clip: Path) -> None:
    samples = decode_audio(gift_card_clip)
    seconds = len(samples) / AUDIO_SAMPLE_RATE
    # The container's duration runs to the last video frame, a little past the sound.
    assert abs(seconds - probe(gift_card_clip).duration_seconds) < 1.0
    assert samples.dtype.name == "float32"
    assert abs(samples).max() <= 1.0


def test_frames_are_sampled_at_the_requested_rate_with_timestamps(gift_card_clip: Path) -> None:
    frames = list(sample_frames(gift_card_clip, fps=2.0))
    assert [t for t, _ in frames[:3]] == [0.0, 0.5, 1.0]
    assert frames[0][1].shape == (240, 320, 3), "at the video's own size (320x240)"
    assert len(frames) == pytest.approx(2 * probe(gift_card_clip).duration_seconds, abs=2)


def test_media_longer_than_the_limit_is_refused_at_probe_naming_the_limit(
    gift_card_clip: Path,
) -> None:
    with pytest.raises(
        InvalidArgument, match=r"over the limit of 3 s \(MODMESH_MAX_MEDIA_SECONDS\)"
    ):
        probe(gift_card_clip, max_seconds=3)


def test_audio_decoded_in_blocks_is_the_audio_decoded_at_once(gift_card_clip: Path) -> None:
    blocks = list(pcm16_blocks(gift_card_clip, block_samples=AUDIO_SAMPLE_RATE))
    assert {len(block) for block in blocks[:-1]} == {AUDIO_SAMPLE_RATE}
    assert np.array_equal(np.concatenate(blocks), decode_audio(gift_card_clip))


def test_decoding_stops_with_the_refusal_once_past_the_limit(gift_card_clip: Path) -> None:
    """A container may not say its duration, or say it wrong: the decoder counts too."""
    blocks = pcm16_blocks(gift_card_clip, block_samples=AUDIO_SAMPLE_RATE, max_seconds=3)
    with pytest.raises(InvalidArgument, match="decodes to more than 3 s"):
        list(blocks)
