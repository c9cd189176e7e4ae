"""Publishing, reading and dry-running rule sets over gRPC, against a real decision
process."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from tests.decision.wire import refused
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

QUEUE_ALL = """# every hit goes to a person, urgently
rules:
  - id: everything-urgent
    when: {any: [{term_hits: {}}, {similarity: {}}]}
    then: {queue: {priority: urgent, sla_hours: 1}}
"""


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[grpc.Channel]:
    settings: LoopbackSettings = loopback_settings(tmp_path_factory.mktemp("decision-rules"))
    with (
        ServiceProcess("decision", settings) as process,
        mesh_channel(process.settings, process.address) as channel,
    ):
        yield channel


@pytest.fixture(scope="module")
def decision(channel: grpc.Channel) -> decision_pb2_grpc.DecisionServiceStub:
    return decision_pb2_grpc.DecisionServiceStub(channel)


def field_violations(error: grpc.RpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)
    assert status is not None
    found: dict[str, str] = {}
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        detail.Unpack(bad_request)
        found.update({v.field: v.description for v in bad_request.field_violations})
    return found


def test_before_any_upload_the_default_rule_set_is_in_force(
    decision: decision_pb2_grpc.DecisionServiceStub,
) -> None:
    rules = decision.GetRules(decision_pb2.GetRulesRequest(version=1)).rule_set

    assert rules.version == 1
    assert rules.actor == "modmesh"
    assert json.loads(rules.document_json)["rules"][0]["id"] == "default-any-evidence"


def test_a_published_rule_set_gets_the_next_version_and_keeps_its_text(
    decision: decision_pb2_grpc.DecisionServiceStub,
) -> None:
    published = decision.PutRules(
        decision_pb2.PutRulesRequest(document=QUEUE_ALL, actor="admin-1", reason="launch week")
    ).rule_set

    in_force = decision.GetRules(decision_pb2.GetRulesRequest()).rule_set
    assert published.version >= 2
    assert in_force == published
    assert in_force.source == QUEUE_ALL  # the comment survives
    assert (in_force.actor, in_force.reason) == ("admin-1", "launch week")


def test_a_malformed_rule_set_is_refused_with_one_violation_per_problem(
    decision: decision_pb2_grpc.DecisionServiceStub,
) -> None:
    before = decision.GetRules(decision_pb2.GetRulesRequest()).rule_set.version
    document = (
        "rules: [{id: lang, when: {all: [{language: {in: [fr]}}]}, then: {queue: {}}},"
        " {id: typo, when: {all: [{term_hits: {min_sevrity: high}}]}, then: {queue: {}}}]"
    )

    error = refused(
        lambda: decision.PutRules(
            decision_pb2.PutRulesRequest(document=document, actor="admin-1", reason="try")
        )
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(error)
    assert "language alone" in violations["rules[0].when"]
    assert "unknown field" in violations["rules[1].when.all[0].term_hits.min_sevrity"]
    assert decision.GetRules(decision_pb2.GetRulesRequest()).rule_set.version == before


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (decision_pb2.PutRulesRequest(document=QUEUE_ALL, reason="r"), "actor"),
        (decision_pb2.PutRulesRequest(document=QUEUE_ALL, actor="a"), "reason"),
    ],
)
def test_publishing_needs_a_who_and_a_why(
    decision: decision_pb2_grpc.DecisionServiceStub,
    request_: decision_pb2.PutRulesRequest,
    field: str,
) -> None:
    error = refused(lambda: decision.PutRules(request_))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in field_violations(error)


def test_an_unknown_version_is_not_found(decision: decision_pb2_grpc.DecisionServiceStub) -> None:
    error = refused(lambda: decision.GetRules(decision_pb2.GetRulesRequest(version=999)))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "999" in error.details()


def test_a_dry_run_checks_the_document_and_stores_nothing(
    decision: decision_pb2_grpc.DecisionServiceStub,
) -> None:
    before = decision.GetRules(decision_pb2.GetRulesRequest()).rule_set.version

    report = decision.DryRunRules(decision_pb2.DryRunRulesRequest(document=QUEUE_ALL, days=3))
    bad = refused(
        lambda: decision.DryRunRules(decision_pb2.DryRunRulesRequest(document="rules: 3"))
    )
    out_of_range = refused(
        lambda: decision.DryRunRules(decision_pb2.DryRunRulesRequest(document=QUEUE_ALL, days=400))
    )

    assert (report.cases_considered, report.cases_changed) == (0, 0)
    assert report.compared_with_version == before
    assert bad.code() == out_of_range.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert decision.GetRules(decision_pb2.GetRulesRequest()).rule_set.version == before


#: Under 400 characters whose aliases would expand to 10**7 values if they were read.
ALIAS_BOMB = "\n".join(
    [
        "a: &a [x, x, x, x, x, x, x, x, x, x]",
        *(
            f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]"
            for previous, name in zip("abcdef", "bcdefg", strict=True)
        ),
        "rules: [*g]",
    ]
)


def test_a_yaml_alias_bomb_is_refused_at_once_while_health_checks_answer(
    decision: decision_pb2_grpc.DecisionServiceStub, channel: grpc.Channel
) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    request = decision_pb2.PutRulesRequest(document=ALIAS_BOMB, actor="admin-1", reason="bomb")

    with ThreadPoolExecutor(max_workers=2) as pool:
        publishing = pool.submit(refused, lambda: decision.PutRules(request, timeout=5))
        checks = [health.Check(health_pb2.HealthCheckRequest(), timeout=1) for _ in range(5)]
        error = publishing.result()

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "aliases (*name) are not accepted" in field_violations(error)["document"]
    assert {check.status for check in checks} == {health_pb2.HealthCheckResponse.SERVING}


@pytest.mark.parametrize(
    ("document", "limit"),
    [
        ("x" * 200_001, "over the limit of 200000"),
        ("rules: " + "[" * 40 + "]" * 40, "deeper than the limit of 32 levels"),
        ("rules: [" + ", ".join(["1"] * 60_000) + "]", "more than the limit of 50000 values"),
    ],
    ids=["too long", "too deep", "too many values"],
)
def test_a_document_over_a_limit_is_refused_naming_the_limit(
    decision: decision_pb2_grpc.DecisionServiceStub, document: str, limit: str
) -> None:
    publish = decision_pb2.PutRulesRequest(document=document, actor="a", reason="r")
    try_out = decision_pb2.DryRunRulesRequest(document=document)
    for error in (
        refused(functools.partial(decision.PutRules, publish)),
        refused(functools.partial(decision.DryRunRules, try_out)),
    ):
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert limit in field_violations(error)["document"]
