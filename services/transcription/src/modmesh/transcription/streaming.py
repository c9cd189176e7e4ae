"""Live transcription: a rolling audio buffer, words committed once they are stable.

The buffer is transcribed again each time enough new audio has arrived. A recogniser
revises its guess about the last words as it hears more, so a word is committed only
when two successive hypotheses agree on it, and on everything before it (the
LocalAgreement-2 policy of Macháček et al., "Turning Whisper into Real-Time
Transcription System", 2023). Committed words are never revised or repeated; the rest
of the latest hypothesis is reported as partial. Once committed speech has piled up,
the buffer is cut after it, so each pass transcribes a bounded stretch of audio. The
last few committed words before the buffer go on as the recogniser's prompt: without
them, a phrase that opens the buffer after a pause loses its first word ("free gift
card" heard as "3 gift card"); with a long prompt, Whisper in short windows repeats
itself (bench/live), so the prompt stays short.

Most of a broadcast is not speech. Given a voice-activity detector, a pass is skipped
when no word is pending and the audio new since the last pass (with a little before it,
where a word may begin) holds no speech: silence, music and game sound cost the
detector's few milliseconds, not a recogniser pass. Nothing is cut for it: the next pass
that is made hears the whole buffer, so speech the detector was late to notice is heard.

The recogniser may hear one language only (the bundled tiny.en hears English). Given a
language identifier, the stream's language is named once a few seconds of it are
buffered and again every half minute; while it speaks a language the recogniser does not
transcribe, no pass is made: the buffer is named every few seconds instead, reported as
untranscribed speech (for a reviewer who speaks it) and dropped but for its last
seconds, where a switch back may begin. It stays so while that language is named, however
unsurely; when the identifier names a language the recogniser hears, passes resume over
that buffer, which may still hold up to UNTRANSCRIBED_EVERY_SECONDS of the other
language, then heard as if it were the recogniser's (the price of naming no more often).

Plain Python: the recogniser is any callable, so this runs under a scripted fake as well
as under Whisper, and knows nothing of gRPC.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from modmesh.contracts.evidence import TimeRange, UntranscribedSpeech, Word
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, pcm16_floats, pcm16_seconds
from modmesh.transcription.domain import StreamUpdate
from modmesh.transcription.language import Language

#: Transcribes 16 kHz mono float32 samples, continuing the text `prompt`; word times
#: count from the first sample given.
Recognise = Callable[[np.ndarray, str], Sequence[Word]]
#: Whether 16 kHz mono float32 samples hold speech (a voice-activity detector).
HasSpeech = Callable[[np.ndarray], bool]
#: The language of the speech in 16 kHz mono float32 samples (None: no speech), and
#: whether the recogniser transcribes a language (language.py, Whisper).
Identify = Callable[[np.ndarray], Language | None]
Transcribes = Callable[[Language], bool]

#: The largest audio chunk a client may send: 2 s of PCM16 (whole samples only).
MAX_CHUNK_BYTES = 64_000
#: A new hypothesis's words that start this long before the end of the last committed
#: word are the committed words heard again (word times wobble between passes).
TIME_OVERLAP_SECONDS = 0.1
#: The longest run of committed words a new hypothesis may repeat at its start.
MAX_REPEATED_WORDS = 5
#: How many committed words before the buffer go on as the prompt.
PROMPT_WORDS = 8
#: A pause is PAUSE_FRAMES frames of PAUSE_FRAME samples in a row (150 ms), each below
#: PAUSE_LOUDNESS times the loudest frame of the buffer (RMS): longer than the closure
#: of a consonant, shorter than the breath between phrases.
PAUSE_FRAME = 800
PAUSE_FRAMES = 3
PAUSE_LOUDNESS = 0.1
#: Audio before the new audio that the detector hears with it: a word that begins just
#: before a pass's new audio is speech in it.
SPEECH_CONTEXT_SECONDS = 0.5
#: A stream's language is first named once this much of it is buffered, then again after
#: LANGUAGE_EVERY_SECONDS (a stream may switch); a naming that heard no speech is tried
#: again LANGUAGE_FIRST_SECONDS later. Whisper base names a language from a few seconds
#: of speech; each naming costs about 1 CPU-s on two cores, one without speech only
#: the voice-activity detector's few milliseconds.
LANGUAGE_FIRST_SECONDS = 3.0
LANGUAGE_EVERY_SECONDS = 30.0
#: While the stream speaks a language the recogniser does not transcribe, its buffer is
#: named and reported (then dropped, but for its last LANGUAGE_FIRST_SECONDS) each time
#: it holds this much.
UNTRANSCRIBED_EVERY_SECONDS = 10.0
_PUNCTUATION = string.punctuation + "\u201c\u201d\u2018\u2019\u2026"  # curly quotes, ellipsis


class StreamTranscriber:
    """One live stream's state. Feed it audio; call `step` when `due`; `finish` at the end.

    Not safe for concurrent use: a stream's calls are made one at a time.
    """

    def __init__(
        self,
        recognise: Recognise,
        *,
        step_seconds: float = 1.0,
        trim_seconds: float = 8.0,
        max_buffer_seconds: float = 20.0,
        start_seconds: float = 0.0,
        has_speech: HasSpeech | None = None,
        identify: Identify | None = None,
        transcribes: Transcribes = lambda language: True,
    ) -> None:
        """`start_seconds` is the stream offset of the first sample fed (a resumed
        stream goes on from its settled offset). `step_seconds` of new audio makes a pass
        due. Past `trim_seconds` the buffer is cut after its last committed word; past
        `max_buffer_seconds` (hypotheses that never settle, or no speech) it is cut
        anyway, so no pass outgrows Whisper's 30 s window. With `has_speech`, passes
        over new audio without speech are skipped while no word is pending. With
        `identify`, speech in a language that the recogniser `transcribes` not is
        reported as untranscribed instead of heard."""
        if not 0 < step_seconds <= trim_seconds <= max_buffer_seconds:
            raise ValueError("need 0 < step_seconds <= trim_seconds <= max_buffer_seconds")
        if not 0 <= start_seconds < float("inf"):
            raise ValueError("need a finite start_seconds of at least 0")
        self._recognise = recognise
        self._has_speech = has_speech
        self._identify = identify
        self._transcribes = transcribes
        #: Recogniser passes made, and passes skipped (no speech, or untranscribed speech).
        self.passes = 0
        self.skipped = 0
        #: The language being spoken while the recogniser does not transcribe it.
        self._untranscribed: Language | None = None
        #: Stream offset at which the language is named next; untranscribed speech is
        #: reported up to `_reported_until`.
        self._naming_at = start_seconds + LANGUAGE_FIRST_SECONDS
        self._reported_until = start_seconds
        self._step = round(step_seconds * AUDIO_SAMPLE_RATE)
        self._trim = trim_seconds
        self._max_buffer = max_buffer_seconds
        self._buffer = np.zeros(0, np.float32)
        #: Stream offset, in samples, of the buffer's first sample. Everything before it
        #: is committed: the buffer is only ever cut before words still to be committed.
        self._buffer_start = round(start_seconds * AUDIO_SAMPLE_RATE)
        self._unheard = 0
        #: The last pass's words after the committed ones.
        self._partial: tuple[Word, ...] = ()
        #: The most recent committed words: the prompt, and what a new pass may repeat.
        self._recent: list[Word] = []
        self._committed_end = self._buffer_start / AUDIO_SAMPLE_RATE

    @property
    def received_seconds(self) -> float:
        return (self._buffer_start + len(self._buffer)) / AUDIO_SAMPLE_RATE

    @property
    def settled_seconds(self) -> float:
        """Every word spoken before this stream offset has been committed."""
        return self._buffer_start / AUDIO_SAMPLE_RATE

    @property
    def buffer_seconds(self) -> float:
        return len(self._buffer) / AUDIO_SAMPLE_RATE

    @property
    def unheard_seconds(self) -> float:
        """Audio fed since the last pass."""
        return self._unheard / AUDIO_SAMPLE_RATE

    @property
    def due(self) -> bool:
        """Enough audio arrived since the last pass to make another worthwhile."""
        return self._unheard >= self._step

    def feed(self, samples: np.ndarray) -> None:
        """Appends 16 kHz mono float32 samples to the stream."""
        self._buffer = np.concatenate((self._buffer, samples.astype(np.float32, copy=False)))
        self._unheard += len(samples)

    def step(self) -> StreamUpdate:
        """Transcribes the buffer and commits the words this pass agrees on with the last."""
        if self._identify is not None and self._naming_due():
            untranscribed = self._name_language(self._identify)
            if untranscribed is not None:
                return untranscribed
        if self._untranscribed is not None:
            # Not heard; the buffer is named (and dropped) when it holds enough.
            self._unheard = 0
            self.skipped += 1
            return StreamUpdate((), (), self.received_seconds, self.settled_seconds)
        if not self._worth_hearing():
            self._unheard = 0
            self.skipped += 1
            forced = self._bound_buffer()
            return StreamUpdate(forced, (), self.received_seconds, self.settled_seconds)
        hypothesis = self._hear()
        agreed = 0
        while agreed < min(len(hypothesis), len(self._partial)) and _spoken(
            hypothesis[agreed]
        ) == _spoken(self._partial[agreed]):
            agreed += 1
        committed = self._commit(hypothesis[:agreed])
        self._partial = hypothesis[agreed:]
        committed += self._bound_buffer()
        return StreamUpdate(committed, self._partial, self.received_seconds, self.settled_seconds)

    def finish(self) -> StreamUpdate:
        """Commits everything still pending: the stream has ended, nothing more will come."""
        if self._untranscribed is not None and self._identify is not None:
            update = self._name_language(self._identify) if len(self._buffer) else None
            if self._untranscribed is not None:  # still: nothing to hear, all settled
                received = self.received_seconds
                heard = update.untranscribed if update else ()
                return StreamUpdate((), (), received, received, heard)
        hypothesis = self._hear() if self._worth_hearing() else self._partial
        self._partial = ()
        # Nothing more will be heard: all the stream received is settled.
        received = self.received_seconds
        return StreamUpdate(self._commit(hypothesis), (), received, received)

    def _naming_due(self) -> bool:
        if not self._unheard:
            return False
        if self._untranscribed is not None:
            return self.buffer_seconds >= UNTRANSCRIBED_EVERY_SECONDS
        return self.received_seconds >= self._naming_at

    def _name_language(self, identify: Identify) -> StreamUpdate | None:
        """Names the buffer's language. Speech the recogniser does not transcribe is
        reported (when surely named) and dropped: an update; otherwise None, and passes
        go on."""
        language = identify(self._buffer)
        if language is None and self._untranscribed is None:
            self._naming_at = self.received_seconds + LANGUAGE_FIRST_SECONDS
            return None
        self._naming_at = self.received_seconds + LANGUAGE_EVERY_SECONDS
        # An untranscribed stream stays so while its language is the one named, however
        # unsurely: a buffer that mixes it with the next language names it less surely,
        # and passes over such a mix lost the next language's first words.
        current = self._untranscribed
        same = current is not None and language is not None and language.code == current.code
        if language is not None and self._transcribes(language) and not same:
            self._untranscribed = None
            # All the buffer is new to the recogniser, however quiet its last moments.
            self._unheard = len(self._buffer)
            return None
        sure = language is not None and not self._transcribes(language)
        offset = self._buffer_start / AUDIO_SAMPLE_RATE
        heard: tuple[UntranscribedSpeech, ...] = ()
        if language is not None and sure:
            self._untranscribed = language
            start = max(offset + language.start_seconds, self._reported_until)
            end = offset + language.end_seconds
            heard = (
                UntranscribedSpeech(language.code, language.probability, TimeRange(start, end)),
            )
            self._reported_until = end
        # The recogniser's guesses at this speech are not words of it. The buffer's last
        # seconds are kept and named again with what follows: a switch back to a language
        # the recogniser hears may begin in them, outvoted by what came before.
        self._partial = ()
        self._unheard = 0
        drop = max(0, len(self._buffer) - round(LANGUAGE_FIRST_SECONDS * AUDIO_SAMPLE_RATE))
        self._buffer_start += drop
        self._buffer = self._buffer[drop:]
        return StreamUpdate((), (), self.received_seconds, self.settled_seconds, heard)

    def _worth_hearing(self) -> bool:
        """Whether a pass could bring words: new audio, and a word pending or speech in it."""
        if not self._unheard:
            return False
        if self._has_speech is None or self._partial:
            return True
        context = round(SPEECH_CONTEXT_SECONDS * AUDIO_SAMPLE_RATE)
        return self._has_speech(self._buffer[-(self._unheard + context) :])

    def _hear(self) -> tuple[Word, ...]:
        """The recogniser's words for the buffer, in stream time, after the committed ones."""
        self._unheard = 0
        if not len(self._buffer):
            return ()
        self.passes += 1
        offset = self._buffer_start / AUDIO_SAMPLE_RATE
        # Only the words before the buffer: words still in it are heard again, and a
        # prompt that ends with what the audio says invites Whisper to say it twice.
        before = [word.text for word in self._recent if _middle(word) < offset]
        prompt = " ".join(before[-PROMPT_WORDS:])
        words = [
            replace(
                word,
                start_seconds=word.start_seconds + offset,
                end_seconds=word.end_seconds + offset,
            )
            for word in self._recognise(self._buffer, prompt)
        ]
        # Committed words are heard again while they stay in the buffer; word times
        # wobble between passes, so a word counts as new by its middle, not its start.
        words = [w for w in words if _middle(w) > self._committed_end - TIME_OVERLAP_SECONDS]
        # A new word kept by its middle may still start, by that wobble, inside the last
        # committed one: it starts where that one ends, so times never go back.
        words = [_not_before(w, self._committed_end) for w in words]
        # A word straddling a cut may be heard again just after it: drop the longest
        # run of words at the start that repeats the end of the committed text.
        if words and self._recent and words[0].start_seconds - self._committed_end < 1.0:
            longest = min(MAX_REPEATED_WORDS, len(words), len(self._recent))
            for size in range(longest, 0, -1):
                tail = [_spoken(w) for w in self._recent[-size:]]
                if [_spoken(w) for w in words[:size]] == tail:
                    words = words[size:]
                    break
        return tuple(words)

    def _commit(self, words: Sequence[Word]) -> tuple[Word, ...]:
        if words:
            self._recent = [*self._recent, *words][-max(MAX_REPEATED_WORDS, PROMPT_WORDS) :]
            self._committed_end = max(self._committed_end, words[-1].end_seconds)
        return tuple(words)

    def _bound_buffer(self) -> tuple[Word, ...]:
        """Cuts the buffer so each pass stays bounded; returns words committed to do so."""
        if self.buffer_seconds <= self._trim:
            return ()
        end = self.received_seconds
        overlong = self.buffer_seconds > self._max_buffer
        forced: tuple[Word, ...] = ()
        if overlong:
            # Hypotheses that never settle: commit what lies well before the end, where
            # the recogniser has heard all it ever will of it.
            settled = end - (self._max_buffer - self._trim)
            count = 0
            while count < len(self._partial) and self._partial[count].end_seconds <= settled:
                count += 1
            forced = self._commit(self._partial[:count])
            self._partial = self._partial[count:]
        # Never cut into a word that is still to be committed.
        limit = self._partial[0].start_seconds if self._partial else end
        cut: float | None = None
        if self._committed_end > self._buffer_start / AUDIO_SAMPLE_RATE:
            # Cut in the first pause after the committed speech: Whisper's word end times
            # are often early, and the tail of a word cut in half comes back as words.
            cut = self._pause_between(self._committed_end, limit)
            if cut is None and overlong:
                cut = min(self._committed_end, limit)
        elif not self._partial:
            # Nothing heard at all: keep only a step's worth, where a word may be starting.
            cut = end - self._step / AUDIO_SAMPLE_RATE
        elif overlong:
            cut = limit
        if cut is not None:
            drop = round(cut * AUDIO_SAMPLE_RATE) - self._buffer_start
            if drop > 0:
                self._buffer = self._buffer[drop:]
                self._buffer_start += drop
        return forced

    def _pause_between(self, start: float, stop: float) -> float | None:
        """A stream offset near the end of the first pause between `start` and `stop`:
        Whisper dates the first word of a buffer from the buffer's start, so the less
        silence is left before it, the truer its time."""
        frames = len(self._buffer) // PAUSE_FRAME
        if frames == 0:
            return None
        loudness = np.sqrt(
            np.mean(np.square(self._buffer[: frames * PAUSE_FRAME].reshape(frames, -1)), axis=1)
        )
        quiet = loudness < PAUSE_LOUDNESS * loudness.max()
        first = max(0, int(np.ceil((start * AUDIO_SAMPLE_RATE - self._buffer_start) / PAUSE_FRAME)))
        last = min(frames, int((stop * AUDIO_SAMPLE_RATE - self._buffer_start) // PAUSE_FRAME))
        run = 0
        for frame in range(first, last):
            if quiet[frame]:
                run += 1
            elif run >= PAUSE_FRAMES:
                break
            else:
                run = 0
        else:
            frame = last
        if run < PAUSE_FRAMES:
            return None
        # One quiet frame is kept before whatever follows the pause.
        return (self._buffer_start + (frame - 1) * PAUSE_FRAME) / AUDIO_SAMPLE_RATE


def checked_chunk(chunk: bytes) -> bytes:
    """A chunk of audio of any encoding, refused when over the size limit."""
    if len(chunk) > MAX_CHUNK_BYTES:
        raise InvalidArgument(
            f"audio chunk of {len(chunk)} bytes is over the limit of {MAX_CHUNK_BYTES} bytes "
            f"({pcm16_seconds(MAX_CHUNK_BYTES):g} s of PCM16); send smaller chunks",
            field="audio",
        )
    return chunk


def pcm16_samples(chunk: bytes) -> np.ndarray:
    """A chunk of signed 16-bit little-endian PCM as float32 samples in [-1, 1)."""
    if len(checked_chunk(chunk)) % 2:
        raise InvalidArgument(
            f"audio chunk of {len(chunk)} bytes splits a 16-bit sample; "
            "send whole samples in each chunk",
            field="audio",
        )
    return pcm16_floats(chunk)


def _not_before(word: Word, seconds: float) -> Word:
    if word.start_seconds >= seconds:
        return word
    return replace(word, start_seconds=min(seconds, word.end_seconds))


def _middle(word: Word) -> float:
    return (word.start_seconds + word.end_seconds) / 2


def _spoken(word: Word) -> str:
    """A word as compared between hypotheses: case and punctuation do not count."""
    return word.text.strip().strip(_PUNCTUATION).lower()
