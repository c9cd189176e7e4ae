"""A known clip or recording is still found after the edits re-uploaders make; unrelated
footage and another voice are not.

Real media throughout: the clips are made with espeak-ng and ffmpeg, edited with ffmpeg,
hashed as the service hashes them, and searched in a real bank (SQLite).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from modmesh.runtime.media import decode_audio
from modmesh.similarity.audio import fingerprint
from modmesh.similarity.banks import BankIndexes
from modmesh.similarity.domain import Bank, Match, StoredItem
from modmesh.similarity.hashing import KNOWN_ITEM_CROPS, hash_video
from modmesh.similarity.index import IndexParams
from modmesh.similarity.store import SqlSimilarityStore
from tests.similarity.conftest import SCENE_SECONDS, ffmpeg
from tests.support import AUDIT_KEY

CLIP_SECONDS = 4 * SCENE_SECONDS


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, scenes_clip: Path) -> BankIndexes:
    directory = tmp_path_factory.mktemp("robustness")
    indexes = BankIndexes(
        SqlSimilarityStore(f"sqlite:///{directory / 'similarity.db'}", audit_key=AUDIT_KEY),
        directory / "index",
        IndexParams(trees=8),
    )
    indexes.open()
    indexes.create_bank(Bank("known", max_distance=31, min_match_percent=50.0), actor="admin-1")
    runs = hash_video(scenes_clip, 1.0, KNOWN_ITEM_CROPS)
    indexes.add_item(StoredItem("known", "scam-clip", "known scam", tuple(runs)), actor="admin-1")
    return indexes


def search(indexes: BankIndexes, clip: Path) -> tuple[Match, ...]:
    return indexes.search(hash_video(clip, 1.0), banks=[], k=10).matches


def edit(arguments: Callable[[Path], list[str]], suffix: str = ".mp4") -> Callable[..., Path]:
    def make(source: Path, out_dir: Path) -> Path:
        out = out_dir / f"edited{suffix}"
        ffmpeg("-i", str(source), *arguments(source), str(out))
        return out

    return make


SPEED_UP = [
    "-filter_complex", "[0:v]setpts=PTS/1.25[v];[0:a]atempo=1.25[a]",
    "-map", "[v]", "-map", "[a]", "-c:v", "libvpx-vp9", "-b:v", "200k", "-c:a", "libopus",
]  # fmt: skip
EDITS = {
    "re-encoded at 40 kbit/s": edit(lambda _: ["-c:v", "libx264", "-b:v", "40k", "-b:a", "24k"]),
    "resized to half": edit(lambda _: ["-vf", "scale=iw/2:ih/2", "-c:a", "copy"]),
    "10 % centred crop": edit(lambda _: ["-vf", "crop=iw*0.9:ih*0.9", "-c:a", "copy"]),
    "watermark text": edit(
        lambda _: [
            "-vf",
            "drawtext=text='@reuploader':fontcolor=white@0.8:fontsize=20:x=w-tw-8:y=h-th-8",
            "-c:a",
            "copy",
        ]
    ),
    "middle third": edit(
        lambda _: ["-ss", str(CLIP_SECONDS / 3), "-t", str(CLIP_SECONDS / 3), "-c:a", "aac"]
    ),
    "25 % faster, as WebM": edit(lambda _: SPEED_UP, ".webm"),
}


@pytest.mark.parametrize("change", list(EDITS))
def test_an_edited_copy_of_a_known_clip_is_found(
    bank: BankIndexes, scenes_clip: Path, tmp_path: Path, change: str
) -> None:
    copy = EDITS[change](scenes_clip, tmp_path)

    [match] = search(bank, copy)

    assert (match.item_id, match.label) == ("scam-clip", "known scam")
    assert match.distance <= 31
    assert max(match.query_match_percent, match.item_match_percent) >= 50
    assert match.index_snapshot.startswith("known=")


def test_the_middle_third_reports_where_it_sits_in_the_known_clip(
    bank: BankIndexes, scenes_clip: Path, tmp_path: Path
) -> None:
    [match] = search(bank, EDITS["middle third"](scenes_clip, tmp_path))

    assert match.query_match_percent >= 75
    assert 20 <= match.item_match_percent <= 50
    assert match.item_ranges[0].start_seconds >= 2.0
    assert match.item_ranges[-1].end_seconds <= 8.0


def test_unrelated_footage_made_the_same_way_is_not_found(
    bank: BankIndexes, other_scenes_clip: Path
) -> None:
    assert search(bank, other_scenes_clip) == ()


@pytest.fixture(scope="module")
def audio_bank(tmp_path_factory: pytest.TempPathFactory, known_recording: Path) -> BankIndexes:
    directory = tmp_path_factory.mktemp("robustness-audio")
    indexes = BankIndexes(
        SqlSimilarityStore(f"sqlite:///{directory / 'similarity.db'}", audit_key=AUDIT_KEY),
        directory / "index",
    )
    indexes.open()
    indexes.create_bank(
        Bank("recordings", max_distance=31, min_match_percent=50.0), actor="admin-1"
    )
    print_ = fingerprint(decode_audio(known_recording))
    indexes.add_item(StoredItem("recordings", "cruise-scam", "", (), audio=print_), actor="admin-1")
    return indexes


def search_audio(indexes: BankIndexes, recording: Path) -> tuple[Match, ...]:
    return indexes.search_audio(fingerprint(decode_audio(recording)), banks=[], k=10).matches


def test_a_reencoded_and_trimmed_recording_is_found(
    audio_bank: BankIndexes, known_recording: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "excerpt.mp3"
    ffmpeg(
        "-ss", "1.3", "-t", "3", "-i", str(known_recording),
        "-c:a", "libmp3lame", "-b:a", "32k", str(copy),
    )  # fmt: skip

    [match] = search_audio(audio_bank, copy)

    assert (match.item_id, match.signal) == ("cruise-scam", "audio")
    assert match.query_match_percent >= 90
    assert match.item_ranges[0].start_seconds == pytest.approx(1.3, abs=0.05)
    assert match.index_snapshot.startswith("recordings=empty+audio-1-")


def test_the_same_words_in_another_voice_are_not_found(
    audio_bank: BankIndexes, other_voice_recording: Path
) -> None:
    assert search_audio(audio_bank, other_voice_recording) == ()
