"""The scoring gRPC servicer: protobuf in, domain calls, protobuf out.

Embedding and SQL block, so every call runs in a worker thread to keep the event loop
answering health checks. A model that is missing or does not load leaves the process up
but NOT_SERVING, its reason logged and given to every call, rather than restarting it in
a loop that cannot fix a file. A background task picks up versions other replicas wrote.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import grpc
import structlog

from modmesh.contracts.evidence import Word
from modmesh.contracts.scoring.v1 import scoring_pb2 as pb
from modmesh.contracts.scoring.v1 import scoring_pb2_grpc
from modmesh.runtime.actor import actor_of
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.background import Periodic
from modmesh.runtime.database import UNAVAILABLE_ERRORS, reachability_check
from modmesh.runtime.errors import Unavailable
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.tracing import annotate
from modmesh.scoring.convert import (
    example_from_pb,
    example_to_pb,
    scored_to_pb,
    set_to_pb,
    summary_to_pb,
    thresholds_from_pb,
)
from modmesh.scoring.core import Scoring
from modmesh.scoring.domain import ExampleSet
from modmesh.scoring.embedding import ModelError, load_encoder
from modmesh.scoring.settings import AUDIT_KEY_ENV, ScoringSettings
from modmesh.scoring.store import SqlExampleStore

log = structlog.get_logger("modmesh.scoring")

#: The version of each example set this process scores with.
SET_VERSION = Gauge(
    "modmesh.scoring.example_set.version", "Version of each example set this process scores with."
)
#: How often a replica looks for versions written by another.
REFRESH_SECONDS = 1.0


class ScoringServicer(scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self) -> None:
        self._core: Scoring | None = None
        #: Why the model could not be loaded; the service stays NOT_SERVING.
        self.broken = ""

    def attach(self, core: Scoring) -> None:
        self._core = core

    @property
    def core(self) -> Scoring:
        if self.broken:
            raise Unavailable(f"scoring cannot serve: {self.broken}")
        # The server accepts calls before load() returns; health says NOT_SERVING then.
        if self._core is None:
            raise Unavailable("scoring is still loading its model and example sets; retry shortly")
        return self._core

    async def Score(
        self, request: pb.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> pb.ScoreResponse:
        core, set_ids = self.core, list(request.set_ids)
        if request.WhichOneof("input") == "words":
            words = [Word(w.text, w.start_seconds, w.end_seconds) for w in request.words.words]
            scored = await asyncio.to_thread(core.score_words, words, set_ids)
        else:
            scored = await asyncio.to_thread(core.score_text, request.text, set_ids)
        annotate(
            example_sets=[f"{s.set_id}@{s.version}" for s in scored.sets],
            flagged=[s.category for s in scored.scores if s.flagged],
        )
        return scored_to_pb(scored)

    async def CreateExampleSet(
        self, request: pb.CreateExampleSetRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateExampleSetResponse:
        edit = await asyncio.to_thread(
            self.core.create_set,
            request.set_id,
            request.name,
            request.description,
            [example_from_pb(example) for example in request.examples],
            thresholds_from_pb(list(request.thresholds)),
            actor=actor_of(request),
        )
        return pb.CreateExampleSetResponse(set=set_to_pb(edit.example_set), warnings=edit.warnings)

    async def GetExampleSet(
        self, request: pb.GetExampleSetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetExampleSetResponse:
        found = await asyncio.to_thread(self.core.get_set, request.set_id, request.version or None)
        return pb.GetExampleSetResponse(set=set_to_pb(found))

    async def ListExampleSets(
        self, request: pb.ListExampleSetsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListExampleSetsResponse:
        return pb.ListExampleSetsResponse(sets=[summary_to_pb(s) for s in self.core.list_sets()])

    async def AddExamples(
        self, request: pb.AddExamplesRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddExamplesResponse:
        edit = await asyncio.to_thread(
            self.core.add_examples,
            request.set_id,
            [example_from_pb(example) for example in request.examples],
            actor=actor_of(request),
        )
        return pb.AddExamplesResponse(
            set=summary_to_pb(edit.example_set),
            examples=[example_to_pb(example) for example in edit.added],
            warnings=edit.warnings,
        )

    async def RemoveExamples(
        self, request: pb.RemoveExamplesRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveExamplesResponse:
        edit = await asyncio.to_thread(
            self.core.remove_examples,
            request.set_id,
            list(request.example_ids),
            actor=actor_of(request),
        )
        return pb.RemoveExamplesResponse(set=summary_to_pb(edit.example_set))


def _publish_versions(sets: Sequence[ExampleSet]) -> None:
    for example_set in sets:
        SET_VERSION.set(example_set.version, set_id=example_set.set_id)


def build_service(settings: ScoringSettings) -> Service:
    servicer = ScoringServicer()
    stores: list[SqlExampleStore] = []
    background = Periodic()

    async def load() -> None:
        audit_key = AuditKey.from_setting(settings.audit_key, AUDIT_KEY_ENV)
        try:
            encoder = await asyncio.to_thread(
                load_encoder, settings.model_dir, threads=settings.scoring_threads
            )
        except ModelError as error:
            servicer.broken = str(error)
            log.error("model not loaded: not serving", reason=servicer.broken)
            # Never returns: health stays NOT_SERVING until the process is stopped.
            await asyncio.Event().wait()
        log.info("model loaded", model=encoder.info.model, version=encoder.info.version)
        store = await asyncio.to_thread(SqlExampleStore, settings.store_url, audit_key=audit_key)
        stores.append(store)
        core = Scoring(
            store,
            encoder,
            max_text_chars=settings.scoring_max_text_chars,
            on_swap=_publish_versions,
        )
        await asyncio.to_thread(core.load)
        servicer.attach(core)
        background.every(
            REFRESH_SECONDS, lambda: asyncio.to_thread(core.refresh), "refresh example sets"
        )

    async def close() -> None:
        await background.stop()
        for store in stores:
            await asyncio.to_thread(store.close)

    return Service(
        name="scoring",
        grpc_services=[pb.DESCRIPTOR.services_by_name["ScoringService"].full_name],
        register=lambda server: scoring_pb2_grpc.add_ScoringServiceServicer_to_server(
            servicer, server
        ),
        load=load,
        close=close,
        check=reachability_check(settings.store_url),
        unavailable_on=UNAVAILABLE_ERRORS,
    )
