"""How well transcription names the spoken language, on recordings of people.

    make bench-speech test-speech
    .venv/bin/python bench/live/languages.py             # 40 prompts per voice
    .venv/bin/python bench/live/languages.py --per-voice 10

The clips are Debian's Asterisk prompts (voicemail and IVR phrases read by a person,
8 kHz telephone audio resampled to 16 kHz): English (Allison Smith), French (June
Wallack) and Spanish (Allison Smith), CC BY-SA 3.0; Italian (Carlo) and Russian
(IvrvoiceRU), CC BY 3.0, where their packages are installed. Each clip is named as
transcription names a file segment (`LanguageIdentifier.identify`: the Silero VAD's
speech, Whisper base's language token).

What matters most is the dangerous mistake: an English clip named another language
surely (probability >= MIN_PROBABILITY) is not transcribed, so a listed term in it would be missed.
The report counts it apart, with accuracy by voice and by length of speech, and writes
bench/results/languages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio
from modmesh.transcription.language import MIN_PROBABILITY, LanguageIdentifier
from modmesh.transcription.settings import TranscriptionSettings

SOUNDS = Path("/usr/share/asterisk/sounds")
#: Voice folder, its language, its prompts' extension.
VOICES = (
    ("en_US_f_Allison", "en", "wav"),
    ("fr_CA_f_June", "fr", "gsm"),
    ("es_MX_f_Allison", "es", "gsm"),
    ("it_IT_m_Carlo", "it", "gsm"),
    ("ru_RU_f_IvrvoiceRU", "ru", "gsm"),
)
#: Seconds of audio: under the first bound, up to the second, longer.
LENGTHS = ((1.5, "under 1.5 s"), (4.0, "1.5-4 s"), (float("inf"), "over 4 s"))
RESULTS = Path(__file__).resolve().parents[1] / "results" / "languages.json"


@dataclass(frozen=True)
class Named:
    voice: str
    prompt: str
    seconds: float
    expected: str
    named: str
    probability: float

    @property
    def right(self) -> bool:
        return self.named == self.expected

    @property
    def sure(self) -> bool:
        return self.probability >= MIN_PROBABILITY

    def length(self) -> str:
        return next(label for bound, label in LENGTHS if self.seconds < bound)


def prompts(per_voice: int) -> list[tuple[str, str, Path]]:
    found = []
    for voice, language, extension in VOICES:
        files = sorted((SOUNDS / voice).glob(f"*.{extension}"))[:per_voice]
        found += [(voice, language, path) for path in files]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-voice", type=int, default=40)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    settings = TranscriptionSettings.from_env()
    identifier = LanguageIdentifier.bundled(settings.whisper_device, settings.whisper_compute_type)
    clips = prompts(args.per_voice)
    if not clips:
        raise SystemExit(f"no prompts under {SOUNDS}: run `make bench-speech test-speech`")
    started = datetime.now(UTC)
    named: list[Named] = []
    clock = time.process_time()
    for voice, language, path in clips:
        audio = decode_audio(path)
        heard = identifier.identify(audio)
        if heard is None:
            continue  # no speech by the VAD: nothing is named, nothing is lost
        named.append(
            Named(
                voice,
                path.stem,
                len(audio) / AUDIO_SAMPLE_RATE,
                language,
                heard.code,
                heard.probability,
            )
        )
        print(f"{voice}/{path.stem}: {heard.code} {heard.probability:.2f}")
    cpu = time.process_time() - clock

    def tally(items: list[Named]) -> dict[str, Any]:
        return {
            "clips": len(items),
            "right": sum(n.right for n in items),
            "accuracy": round(sum(n.right for n in items) / len(items), 3) if items else None,
            "wrong_but_sure": sum(not n.right and n.sure for n in items),
            # Named surely: for a language other than English, not transcribed.
            "sure": sum(n.sure for n in items),
        }

    by_voice: dict[str, list[Named]] = defaultdict(list)
    by_length: dict[str, list[Named]] = defaultdict(list)
    for n in named:
        by_voice[n.voice].append(n)
        by_length[n.length()].append(n)
    english = [n for n in named if n.expected == "en"]
    report = {
        "benchmark": "languages",
        "started": started.isoformat(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "clips_without_speech": len(clips) - len(named),
        "all": tally(named),
        "by_voice": {voice: tally(items) for voice, items in by_voice.items()},
        "by_length": {length: tally(items) for length, items in by_length.items()},
        # English named another language surely: it would not be transcribed.
        "english_not_transcribed": [
            [n.prompt, round(n.seconds, 2), n.named, round(n.probability, 3)]
            for n in english
            if not n.right and n.sure
        ],
        "mistakes": [
            [n.voice, n.prompt, round(n.seconds, 2), n.named, round(n.probability, 3)]
            for n in named
            if not n.right
        ],
        "cpu_seconds_per_clip": round(cpu / max(1, len(named)), 3),
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({key: report[key] for key in ("all", "by_length", "english_not_transcribed")}))


if __name__ == "__main__":
    main()
