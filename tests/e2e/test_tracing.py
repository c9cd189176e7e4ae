"""One submitted item is one trace across all five processes, exported over OTLP to a
real receiver; the spans carry ids and versions and nothing about the person; the logs
carry the same trace id; RED metrics leave every process over OTLP too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modmesh.cli.credentials import api_key
from modmesh.cli.mesh import GATEWAY, SERVICES, Mesh
from modmesh.cli.moderate import moderate
from modmesh.cli.seed import seed_samples
from tests.otlp import OtlpReceiver, Span
from tests.support import loopback_settings

pytestmark = pytest.mark.e2e

#: The processes one item passes through: every process of the mesh.
PROCESSES = {f"modmesh-{name}" for name in (*SERVICES, GATEWAY)}
ACCOUNT = "tracing-account-4711"
GW = "modmesh-gateway"
ENGINES = {"modmesh-transcription", "modmesh-termmatch", "modmesh-similarity", "modmesh-scoring"}


@dataclass
class TracedMesh:
    mesh: Mesh
    receiver: OtlpReceiver


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedMesh]:
    settings = loopback_settings(tmp_path_factory.mktemp("traced-mesh"))
    with OtlpReceiver() as receiver, pytest.MonkeyPatch.context() as env:
        # The processes inherit the environment: export there, and promptly.
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")
        env.setenv("OTEL_METRIC_EXPORT_INTERVAL", "1000")
        mesh = Mesh(settings, report=lambda line: None)
        try:
            mesh.start()
            seed_samples(settings)
            yield TracedMesh(mesh, receiver)
        finally:
            codes = mesh.stop()
        assert set(codes.values()) == {0}, codes


@pytest.fixture(scope="module")
def submitted(traced: TracedMesh, gift_card_clip: Path) -> tuple[dict[str, Any], list[Span]]:
    """The case of one moderated clip and the spans of the trace its upload started."""
    case = moderate(
        traced.mesh.gateway_url,
        gift_card_clip,
        account_id=ACCOUNT,
        timeout=300,
        progress=False,
        api_key=api_key(traced.mesh.settings),
    )
    receiver = traced.receiver

    def upload_span() -> Span | None:
        return next(
            (
                s
                for s in receiver.spans()
                if s.attributes.get("modmesh.case_id") == case["case_id"] and s.service == GW
            ),
            None,
        )

    receiver.wait_for(lambda: upload_span() is not None)
    span = upload_span()
    assert span is not None

    def trace() -> list[Span]:
        return [s for s in receiver.spans() if s.trace_id == span.trace_id]

    # Every process exports in its own batches: wait until all six have reported.
    receiver.wait_for(lambda: {s.service for s in trace()} >= PROCESSES)
    receiver.wait_for(
        lambda: all(
            any(s.name.endswith(call) for s in trace())
            for call in ("TermMatchService/Match", "ScoringService/Score")
        )
    )
    return case, trace()


def test_one_item_is_one_connected_trace_across_all_six_processes(
    submitted: tuple[dict[str, Any], list[Span]],
) -> None:
    _, spans = submitted
    assert {s.service for s in spans} == PROCESSES
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if not s.parent_span_id]
    assert [(r.service, r.name) for r in roots] == [(GW, "POST /v1/media")]
    orphans = [s for s in spans if s.parent_span_id and s.parent_span_id not in ids]
    assert not orphans, orphans


def test_the_analysis_that_runs_after_submit_answered_is_a_child_of_submit(
    submitted: tuple[dict[str, Any], list[Span]],
) -> None:
    _, spans = submitted
    by_id = {s.span_id: s for s in spans}
    [analysis] = [s for s in spans if s.name == "analyse case"]
    parent = by_id[analysis.parent_span_id]
    assert (parent.service, parent.name) == (
        "modmesh-decision",
        "/modmesh.decision.v1.DecisionService/Submit",
    )
    engine_calls = [by_id[s.parent_span_id] for s in spans if s.service in ENGINES]
    # Each engine's server span hangs (through decision's client span) off the analysis.
    assert {by_id[call.parent_span_id].name for call in engine_calls} == {"analyse case"}


def test_spans_carry_case_media_list_versions_and_index_snapshot(
    submitted: tuple[dict[str, Any], list[Span]],
) -> None:
    case, spans = submitted
    sha256 = case["media"]["sha256"]

    def attributes(service: str, name_end: str) -> dict[str, Any]:
        [span] = [s for s in spans if s.service == service and s.name.endswith(name_end)]
        return span.attributes

    # FastAPI's own endpoint span is current in the route, so the gateway's ids land there.
    [endpoint] = [s for s in spans if s.attributes.get("modmesh.case_id") and s.service == GW]
    assert endpoint.attributes["modmesh.media_sha256"] == sha256
    submit = attributes("modmesh-decision", "DecisionService/Submit")
    assert (submit["modmesh.case_id"], submit["modmesh.media_sha256"]) == (case["case_id"], sha256)
    assert attributes("modmesh-decision", "analyse case")["modmesh.case_id"] == case["case_id"]
    transcribe = attributes("modmesh-transcription", "TranscriptionService/Transcribe")
    assert transcribe["modmesh.media_sha256"] == sha256
    match = attributes("modmesh-termmatch", "TermMatchService/Match")
    assert "sample-scams@1" in match["modmesh.list_versions"]
    assert match["modmesh.hit_count"] == len(case["term_hits"]) >= 1
    search = attributes("modmesh-similarity", "SimilarityService/Search")
    assert search["modmesh.media_sha256"] == sha256
    assert search["modmesh.index_snapshot"]


def test_no_span_carries_the_account_or_what_was_said(
    submitted: tuple[dict[str, Any], list[Span]],
) -> None:
    case, spans = submitted
    said = case["transcript"]["text"]
    assert "gift card" in said.lower()
    for span in spans:
        for value in span.attributes.values():
            text = json.dumps(value)
            assert ACCOUNT not in text, span
            assert "gift card" not in text.lower(), span


def test_each_process_logs_under_the_trace_it_works_for(
    traced: TracedMesh, submitted: tuple[dict[str, Any], list[Span]]
) -> None:
    case, spans = submitted
    trace_id = spans[0].trace_id
    log = traced.mesh.log_dir / "decision.log"
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    [analysed] = [
        e for e in events if e["event"] == "case analysed" and e["case_id"] == case["case_id"]
    ]
    assert analysed["trace_id"] == trace_id
    assert {s.span_id for s in spans if s.name == "analyse case"} == {analysed["span_id"]}


def test_every_process_exports_its_rpc_metrics_over_otlp(
    traced: TracedMesh, submitted: tuple[dict[str, Any], list[Span]]
) -> None:
    receiver = traced.receiver
    expected = {(f"modmesh-{name}", "rpc.server.duration") for name in SERVICES} | {
        ("modmesh-gateway", "http.server.request.duration"),
        ("modmesh-transcription", "modmesh.transcription.queue.depth"),
        ("modmesh-termmatch", "modmesh.termmatch.list.version"),
        ("modmesh-similarity", "modmesh.similarity.index.items"),
    }
    receiver.wait_for(lambda: expected <= set(receiver.metric_names()))
