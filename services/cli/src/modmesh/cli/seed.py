"""Loads the neutral sample data into a running mesh: the sample term list into
termmatch, the sample example set into scoring and the sample clip into a similarity
bank. Safe to run again."""

from __future__ import annotations

import json
import os

import grpc
from google.protobuf import json_format

from modmesh.cli.credentials import API_KEYS_ENV, LOCAL_SUBJECT
from modmesh.cli.remote import open_channel
from modmesh.cli.samples import CLIP, EXAMPLE_SET, SAMPLE_BANK, TERM_LIST
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.settings import MeshSettings

#: Who the audit logs name for the sample data.
SEED_ACTOR = "modmesh seed"


def seed_samples(settings: MeshSettings, *, scoring: bool = True) -> list[str]:
    """Returns a line for each sample that was added (nothing when all were there).
    `scoring=False` for a mesh that runs no scoring service (decision then decides
    without scores): the example set is left out."""
    added = []
    request = json_format.ParseDict(
        json.loads(TERM_LIST.read_text()), termmatch_pb2.CreateListRequest()
    )
    request.actor = SEED_ACTOR
    with open_channel(settings, settings.termmatch_addr) as channel:
        try:
            termmatch_pb2_grpc.TermMatchServiceStub(channel).CreateList(request, timeout=30)
            added.append(f"sample term list {request.list_id} ({len(request.terms)} terms)")
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise

    if scoring:
        examples = json_format.ParseDict(
            json.loads(EXAMPLE_SET.read_text()), scoring_pb2.CreateExampleSetRequest()
        )
        examples.actor = SEED_ACTOR
        with open_channel(settings, settings.scoring_addr) as channel:
            try:
                scoring_pb2_grpc.ScoringServiceStub(channel).CreateExampleSet(examples, timeout=60)
                added.append(
                    f"sample example set {examples.set_id} ({len(examples.examples)} examples)"
                )
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise

    blob = BlobStore.of_mesh(settings).put_file(CLIP, "video/mp4")
    with open_channel(settings, settings.similarity_addr) as channel:
        try:
            similarity_pb2_grpc.SimilarityServiceStub(channel).AddItem(
                similarity_pb2.AddItemRequest(
                    media=evidence_pb2.MediaRef(
                        sha256=blob.sha256,
                        uri=blob.uri,
                        size_bytes=blob.size_bytes,
                        mime_type=blob.mime_type,
                    ),
                    bank=SAMPLE_BANK,
                    item_id="sample-clip",
                    label="modmesh sample clip (free gift card scam)",
                    actor=SEED_ACTOR,
                ),
                timeout=120,
            )
            added.append(f"sample clip in bank {SAMPLE_BANK}")
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
    return added


def register_local_reviewer(settings: MeshSettings) -> str | None:
    """On a mesh that runs with the local operator's key (no MODMESH_API_KEYS), registers
    that operator as a reviewer, so the console's queue opens for them; says so."""
    if os.environ.get(API_KEYS_ENV):
        return None
    with open_channel(settings, settings.decision_addr) as channel:
        decision_pb2_grpc.DecisionServiceStub(channel).PutReviewer(
            decision_pb2.PutReviewerRequest(
                reviewer=decision_pb2.Reviewer(reviewer_id=LOCAL_SUBJECT),
                actor=SEED_ACTOR,
                reason="the local mesh's operator reviews its cases in the console",
            ),
            timeout=30,
        )
    return f"reviewer {LOCAL_SUBJECT} (the local operator)"
