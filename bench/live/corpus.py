"""The live corpus: streams that say the sample list's terms in voices, rates, noise and
music the recogniser was not tuned on, and streams of term-free speech.

Everything is made here from what the machine has, nothing downloaded:
- speech by espeak-ng (GPL-3.0-or-later; we ship its output, not the program), in every
  English voice and variant that works without MBROLA, at 130 to 190 words a minute;
- planted utterances say each term at the start of a sentence after a pause, in the
  middle, or at the end, inside neutral sentences written for this corpus (ours, under
  the project's licence);
- term-free speech reads the prose of Python's own documentation as it ships with the
  interpreter (`pydoc_data.topics`, under the PSF License 2.0), sentence by sentence,
  keeping only sentences no term of the sample list matches;
- beds under the speech: none, pink noise at 20 and 10 dB SNR, and `music` at 10 dB;
- recorded human speech from Debian packages (`make bench-speech` installs them): the
  Asterisk English prompts (asterisk-core-sounds-en-wav, Allison Smith, CC BY-SA 3.0;
  8 kHz telephone audio, resampled) with their transcripts (asterisk-core-sounds-en),
  and five LibriVox readings of Sense and Sensibility (pocketsphinx-testdata; LibriVox
  recordings are in the public domain) with theirs.

Recorded speech that says the sample list's terms exists in no package we found (a
search of PyPI, npm and Debian found speech only in test data and phone prompts), so
recall on recorded speech is measured with a list of phrases taken from the recordings'
own transcripts (`recorded_phrases`): the truth is where the transcript says them.
"""

from __future__ import annotations

import gzip
import itertools
import pydoc_data.topics
import re
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio

#: espeak-ng voices: accents, and variants that change pitch and timbre.
VOICES = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-029",
    "en-us+f3",
    "en-us+m3",
    "en-gb+f2",
)
#: Words a minute.
RATES = (130, 150, 170, 190)
#: A bed under a stream: (name, kind, signal-to-noise ratio in dB).
Bed = tuple[str, str, float]
BEDS: tuple[Bed, ...] = (
    ("clean", "", 0.0),
    ("pink 20 dB", "pink", 20.0),
    ("pink 10 dB", "pink", 10.0),
    ("music 10 dB", "music", 10.0),
)
#: Where a term is said: (position, template); {term} is replaced.
TEMPLATES = (
    ("start", "{term}. That is what the message said this morning."),
    ("start", "{term}, they kept saying it all through the show."),
    ("middle", "So the host told everyone {term} and then moved on."),
    ("middle", "I heard the words {term} twice during the call."),
    ("end", "The last thing on the screen was {term}."),
    ("end", "Before the break the caller said {term}."),
)
#: Where `make bench-speech` puts the recordings and their transcripts.
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en")
ASTERISK_TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
#: Silence before each utterance, cycled.
PAUSES = (1.2, 0.8, 2.0, 1.0, 1.5)


@dataclass(frozen=True)
class Utterance:
    text: str
    #: The term it plants (a term id of the sample list), or "" for term-free speech.
    term_id: str
    position: str
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class CorpusStream:
    name: str
    voice: str
    rate: int
    bed: str
    samples: np.ndarray
    utterances: tuple[Utterance, ...]

    @property
    def seconds(self) -> float:
        return len(self.samples) / AUDIO_SAMPLE_RATE


def speak(text: str, voice: str, rate: int) -> np.ndarray:
    """espeak-ng's speech for `text`, 16 kHz, trimmed to its audible part."""
    with tempfile.TemporaryDirectory() as work:
        wav = Path(work) / "speech.wav"
        subprocess.run(  # noqa: S603 - espeak-ng with the corpus's own text
            ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(wav), text],  # noqa: S607
            check=True,
        )
        samples = decode_audio(wav)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples


def pink_noise(length: int, rng: np.random.Generator) -> np.ndarray:
    """Noise whose power falls with frequency as 1/f."""
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, length))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise: np.ndarray = np.fft.irfft(spectrum, length)
    return noise


def music(seconds: float, seed: int) -> np.ndarray:
    """A stand-in for a broadcast's music bed: a chord every half second (three notes
    with overtones, decaying) over a beat of noise bursts, at about speech's loudness."""
    rng = np.random.default_rng(seed)
    beat = AUDIO_SAMPLE_RATE // 2
    t = np.arange(beat) / AUDIO_SAMPLE_RATE
    decay = np.exp(-3.0 * t)
    bars = []
    for _ in range(int(np.ceil(seconds * 2))):
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        chord = sum(
            np.sin(2 * np.pi * root * ratio * harmonic * t) / harmonic
            for ratio in (1.0, 1.26, 1.5)
            for harmonic in (1, 2, 3)
        )
        drum = rng.normal(0.0, 1.0, beat) * np.exp(-40.0 * t)
        bars.append(0.05 * chord * decay + 0.1 * drum)
    return np.concatenate(bars)[: round(seconds * AUDIO_SAMPLE_RATE)].astype(np.float32)


def with_bed(speech: np.ndarray, kind: str, snr_db: float, seed: int) -> np.ndarray:
    """The speech with a bed under it, the bed scaled to `snr_db` below the speech's
    loudness (RMS over the stretches that are speech)."""
    if not kind:
        return speech
    rng = np.random.default_rng(seed)
    bed = (
        pink_noise(len(speech), rng)
        if kind == "pink"
        else music(len(speech) / AUDIO_SAMPLE_RATE, seed)
    )
    voiced = speech[np.abs(speech) > 0.01]
    speech_rms = float(np.sqrt(np.mean(np.square(voiced)))) if len(voiced) else 0.1
    bed_rms = float(np.sqrt(np.mean(np.square(bed)))) or 1.0
    mixed = speech + bed * (speech_rms / bed_rms) * 10 ** (-snr_db / 20)
    return np.clip(mixed, -1.0, 1.0).astype(np.float32)


def assemble(
    name: str,
    voice: str,
    rate: int,
    bed: Bed,
    lines: Sequence[tuple[str, str, str]],
    recordings: Sequence[Path] = (),
) -> CorpusStream:
    """A stream saying `lines` ((text, term id, position)) with pauses, over the bed:
    spoken by espeak-ng, or, where `recordings` are given, line by line from them."""
    parts: list[np.ndarray] = []
    utterances = []
    position = 0.0
    for index, (text, term_id, where) in enumerate(lines):
        pause = PAUSES[index % len(PAUSES)]
        parts.append(np.zeros(round(pause * AUDIO_SAMPLE_RATE), np.float32))
        position += pause
        speech = decode_audio(recordings[index]) if recordings else speak(text, voice, rate)
        seconds = len(speech) / AUDIO_SAMPLE_RATE
        utterances.append(Utterance(text, term_id, where, position, position + seconds))
        parts.append(speech)
        position += seconds
    parts.append(np.zeros(2 * AUDIO_SAMPLE_RATE, np.float32))
    seed = sum(map(ord, name))
    samples = with_bed(np.concatenate(parts), bed[1], bed[2], seed)
    return CorpusStream(name, voice, rate, bed[0], samples, tuple(utterances))


def planted_streams(terms: Sequence[tuple[str, str]], count: int) -> Iterator[CorpusStream]:
    """`count` streams, each saying every term (id, text) once in its own voice, rate and
    bed; the streams cycle through the voices, rates, beds and term positions."""
    for index in range(count):
        voice = VOICES[index % len(VOICES)]
        rate = RATES[(index // len(VOICES) + index) % len(RATES)]
        bed = BEDS[(index // 2) % len(BEDS)]
        lines = [
            (
                TEMPLATES[(index + k) % len(TEMPLATES)][1].format(term=text),
                term_id,
                TEMPLATES[(index + k) % len(TEMPLATES)][0],
            )
            for k, (term_id, text) in enumerate(terms)
        ]
        yield assemble(f"planted-{index}", voice, rate, bed, lines)


def prose_sentences() -> list[str]:
    """Sentences of plain prose from Python's documentation topics, in a fixed order."""
    sentences = []
    for name in sorted(pydoc_data.topics.topics):
        text = " ".join(pydoc_data.topics.topics[name].split())
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            words = sentence.split()
            # Prose only: no code, markup or symbols a reader would spell out.
            if 8 <= len(words) <= 30 and re.fullmatch(r"[A-Za-z ,;.'-]+[.!?]", sentence):
                sentences.append(sentence)
    return sentences


def term_free_streams(
    sentences: Sequence[str], minutes: float, seconds_each: float = 60.0
) -> Iterator[CorpusStream]:
    """Streams of term-free sentences, about `seconds_each` long, `minutes` in all."""
    remaining = iter(sentences)
    made = 0.0
    index = 0
    while made < minutes * 60:
        voice = VOICES[index % len(VOICES)]
        rate = RATES[index % len(RATES)]
        bed = BEDS[(index // 2) % len(BEDS)]
        # About 2.6 words a second at 150 wpm, and a pause per sentence.
        lines = []
        words = 0.0
        while words < seconds_each * rate / 60 * 0.8:
            sentence = next(remaining)
            lines.append((sentence, "", ""))
            words += len(sentence.split())
        stream = assemble(f"term-free-{index}", voice, rate, bed, lines)
        made += stream.seconds
        index += 1
        yield stream


def recorded_speech() -> list[tuple[Path, str]]:
    """Every recording of speech with its transcript, in a fixed order."""
    if not (ASTERISK_TRANSCRIPTS.is_file() and LIBRIVOX.is_dir()):
        raise SystemExit("no recorded speech here: run `make bench-speech` (Debian packages)")
    found = []
    with gzip.open(ASTERISK_TRANSCRIPTS, "rt") as transcripts:
        for line in transcripts:
            name, _, text = line.partition(": ")
            wav = ASTERISK_SOUNDS / f"{name.strip()}.wav"
            # Tones and silences are described in brackets; # and * are keys, not words.
            if wav.is_file() and len(text.split()) >= 3 and not re.search(r"[\[(#*]", text):
                found.append((wav, text.strip()))
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        reading = re.fullmatch(r"<s> (.*) </s> \((.*)\)", line.strip())
        if reading:
            found.append((LIBRIVOX / f"{reading[2]}.wav", reading[1]))
    return found


def recorded_phrases(recordings: Sequence[tuple[Path, str]], count: int) -> list[str]:
    """Two-word phrases of the transcripts, for a list to measure recall on recorded
    speech: from every third recording one pair of neighbouring words, not both short."""
    phrases: list[str] = []
    for index, (_, text) in enumerate(recordings[::3]):
        words = re.findall(r"[a-z']+", text.lower())
        pairs = [f"{a} {b}" for a, b in itertools.pairwise(words) if max(len(a), len(b)) > 4]
        if pairs and pairs[index % len(pairs)] not in phrases:
            phrases.append(pairs[index % len(pairs)])
    return phrases[:count]


def recorded_streams(
    recordings: Sequence[tuple[Path, str]], seconds_each: float = 60.0
) -> Iterator[CorpusStream]:
    """The recordings, in order, as streams of about `seconds_each`, without beds."""
    for index, batch in enumerate(_batches(recordings, seconds_each)):
        lines = [(text, "", "recorded") for _, text in batch]
        paths = [path for path, _ in batch]
        yield assemble(f"recorded-{index}", "recorded", 0, BEDS[0], lines, paths)


def _batches(
    recordings: Sequence[tuple[Path, str]], seconds_each: float
) -> Iterator[list[tuple[Path, str]]]:
    batch: list[tuple[Path, str]] = []
    seconds = 0.0
    for recording in recordings:
        batch.append(recording)
        # A WAV's size says its length closely enough: 8 kHz (Asterisk) or 16 kHz PCM16.
        seconds += recording[0].stat().st_size / 16_000 + 1.3
        if seconds >= seconds_each:
            yield batch
            batch, seconds = [], 0.0
    if batch:
        yield batch
