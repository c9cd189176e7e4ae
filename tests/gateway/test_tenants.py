"""Tenants: a case belongs to the credential that submitted it and to the account it is
about. A `service` reads only its own cases (plus the tenants it is granted), an
`appellant` only its account's, whatever other roles it holds; moderators and auditors
read every case. A case out of reach is as absent as a missing one (404): ids reveal
nothing.

The table walks every REST route that names or lists cases (or live streams) with every
kind of caller and the ids of *another* tenant's case and stream, on a real decision
process. Each cell says what the caller gets: R reaches the case (past the tenant check:
2xx, or a 409 about the case's state), H it is hidden (404; a list leaves it out), - the
role is refused (403). Every other route is listed with the reason it holds no tenant's
cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient

from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.blobs import BlobStore
from tests.decision.examples import CAPTURED, media, opened_case
from tests.gateway.test_access import DOCUMENTATION, every_route
from tests.support import AUDIT_KEY, LoopbackSettings, ServiceProcess, loopback_settings

#: The callers of the table: name → (subject, roles). acct-a holds two keys: as a plain
#: appellant, and as an appellant who is also a moderator.
CALLERS = {
    "platform-a": ("platform-a", "service"),
    "platform-c": ("platform-c", "service"),  # granted platform-b's cases
    "acct-a": ("acct-a", "appellant"),
    "acct-a-mod": ("acct-a", "appellant+moderator"),
    "mod": ("mod", "moderator"),
    "aud": ("aud", "auditor"),
    "pol": ("pol", "policy-admin"),
}
#: People who only set the scene: the other tenant, the affected account, a reviewer.
STAGE = {
    "platform-b": ("platform-b", "service"),
    "acct-b": ("acct-b", "appellant"),
    "acting-mod": ("acting-mod", "moderator"),
}

# fmt: off
#: What each caller gets with platform-b's case of account acct-b (and its appeal, and
#: its stream on air); one letter per caller, in CALLERS' order:
#:   platform-a, platform-c, acct-a, acct-a-mod, mod, aud, pol
TABLE = {
    ("GET", "/v1/cases/{case_id}"):                      "H R - H R R -",
    ("GET", "/v1/cases/{case_id}/media"):                "H R - H R R -",
    ("GET", "/v1/cases"):                                "H R - H R R -",
    ("POST", "/v1/cases/{case_id}/claim"):               "- - - H R - -",
    ("POST", "/v1/cases/{case_id}/release"):             "- - - H R - -",
    ("POST", "/v1/cases/{case_id}/actions"):             "- - - H R - -",
    ("GET", "/v1/queue"):                                "- - - H R - -",
    ("POST", "/v1/cases/{case_id}/appeals"):             "- - H H - - -",
    ("GET", "/v1/cases/{case_id}/statement-of-reasons"): "- - H H R R -",
    ("GET", "/v1/appeals"):                              "- - - H R R -",
    ("POST", "/v1/appeals/{appeal_id}/decision"):        "- - - H R - -",
    ("GET", "/v1/streams"):                              "- - - H R R -",
}
# fmt: on

#: Routes that hold no tenant's cases, and why.
UNTENANTED = {
    ("POST", "/v1/media"): "opens a case of the caller's own (test_a_case_records_...)",
    ("WS", "/v1/streams/{stream_id}/live"): "opens a live case; it names no other case",
    ("POST", "/v1/cases/retry"): "the operator's re-run of FAILED cases, every tenant's "
    "(policy-admin only, as analysis is the mesh's own work)",
    ("GET", "/v1/audit/checkpoint"): "the audit log's signed head; it names no case",
    ("GET", "/v1/cases/{case_id}/clips/{flag_sequence}"): "reads its case through GetCase, "
    "as /v1/cases/{case_id}/media does (in the table); the table's cases are not live "
    "streams and keep no clips (tests/console/test_live.py reaches a live case's clip)",
    ("GET", "/healthz"): "public probe",
    ("GET", "/readyz"): "public probe",
    ("PUT", "/v1/reviewers/{reviewer_id}"): "policy data, shared by every tenant",
    ("PUT", "/v1/accounts/{account_id}"): "policy data, shared by every tenant",
    ("GET", "/v1/accounts/{account_id}"): "policy data, shared by every tenant",
    ("GET", "/v1/rules"): "policy data, shared by every tenant",
    ("PUT", "/v1/rules"): "policy data, shared by every tenant",
    ("POST", "/v1/rules/dry-run"): "policy data; reports counts of outcomes, no case ids",
    ("GET", "/v1/lists"): "policy data, shared by every tenant",
    ("POST", "/v1/lists"): "policy data, shared by every tenant",
    ("GET", "/v1/lists/{list_id}"): "policy data, shared by every tenant",
    ("PUT", "/v1/lists/{list_id}"): "policy data, shared by every tenant",
    ("POST", "/v1/lists/{list_id}/terms"): "policy data, shared by every tenant",
    ("PUT", "/v1/lists/{list_id}/terms/{term_id}"): "policy data, shared by every tenant",
    ("DELETE", "/v1/lists/{list_id}/terms/{term_id}"): "policy data, shared by every tenant",
    ("POST", "/v1/lists/{list_id}/import"): "policy data, shared by every tenant",
    ("GET", "/v1/lists/{list_id}/export"): "policy data, shared by every tenant",
    ("GET", "/v1/lists/{list_id}/terms"): "policy data, shared by every tenant",
    ("GET", "/v1/lists/{list_id}/versions"): "policy data, shared by every tenant",
    ("GET", "/v1/lists/{list_id}/changes"): "policy data, shared by every tenant",
    ("POST", "/v1/match"): "matches the caller's own text; stores nothing",
    ("GET", "/v1/similarity/banks"): "policy data, shared by every tenant",
    ("POST", "/v1/similarity/banks"): "policy data, shared by every tenant",
    ("POST", "/v1/similarity/items"): "policy data, shared by every tenant",
    ("DELETE", "/v1/similarity/banks/{bank}/items/{item_id}"): "policy data",
    ("POST", "/v1/similarity/search"): "searches the banks with the caller's own media",
}
#: A body each case route accepts, so that only the tenant check can refuse it.
BODIES: dict[str, dict[str, Any]] = {
    "/v1/cases/{case_id}/claim": {},
    "/v1/cases/{case_id}/actions": {"type": "remove_content", "reason": "scam policy 4.2"},
    "/v1/cases/{case_id}/appeals": {"statement": "it was satire"},
    "/v1/appeals/{appeal_id}/decision": {"uphold": False, "reason": "the removal stands"},
}


def key_of(name: str) -> str:
    return f"key-of-{name}-{'k' * 24}"


def as_(name: str) -> dict[str, str]:
    return {"X-API-Key": key_of(name)}


@pytest.fixture(scope="module")
def mesh_settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    people = {**CALLERS, **STAGE}
    return loopback_settings(
        tmp_path_factory.mktemp("tenants") / "data",
        api_keys=",".join(f"{s}:{roles}:{key_of(name)}" for name, (s, roles) in people.items()),
        tenant_grants="platform-c=platform-b",
    )


@pytest.fixture(scope="module")
def client(mesh_settings: LoopbackSettings) -> Iterator[TestClient]:
    with (
        ServiceProcess("decision", mesh_settings),
        TestClient(create_app(mesh_settings.of(GatewaySettings))) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def cases(client: TestClient, mesh_settings: LoopbackSettings) -> dict[str, str]:
    """Platform-a's case about acct-a, and two of platform-b's about acct-b: one removed
    and appealed, one waiting in the queue; and platform-b's stream of acct-b on air."""
    url = mesh_settings.database_url_for("decision")
    own = opened_case(url, 301, "acct-a", tenant="platform-a")
    other = opened_case(url, 302, "acct-b", tenant="platform-b")
    # Its media where the blob store keeps it, so whoever reaches the case can play it.
    stored = BlobStore.of_mesh(mesh_settings).root / media(302).sha256[:2] / media(302).sha256
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"\0" * media(302).size_bytes)
    queued = opened_case(url, 303, "acct-b", tenant="platform-b")
    admin = {"X-API-Key": key_of("pol")}
    for reviewer in ("acting-mod", "mod", "acct-a"):
        registered = client.put(f"/v1/reviewers/{reviewer}", json={"reason": "new"}, headers=admin)
        assert registered.status_code == 200, registered.text
    claimed = client.post(f"/v1/cases/{other}/claim", json={}, headers=as_("acting-mod"))
    assert claimed.status_code == 200, claimed.text
    removed = client.post(
        f"/v1/cases/{other}/actions",
        json=BODIES["/v1/cases/{case_id}/actions"],
        headers=as_("acting-mod"),
    )
    assert removed.status_code == 200, removed.text
    appealed = client.post(
        f"/v1/cases/{other}/appeals", json={"statement": "satire"}, headers=as_("acct-b")
    )
    assert appealed.status_code == 201, appealed.text
    store = CaseStore(url, audit_key=AUDIT_KEY)
    try:
        store.open_stream("b-live", "acct-b", CAPTURED, 0.0, "call-b", "platform-b")
    finally:
        store.close()
    return {
        "own": own,
        "case_id": other,
        "queued": queued,
        "appeal_id": appealed.json()["appeal_id"],
        "stream_id": "b-live",
    }


def outcome(response: httpx.Response, other_cases: tuple[str, ...], lists: bool) -> str:
    """The table's letter for a response about the other tenant's case."""
    if response.status_code == 403:
        return "-"
    if response.status_code == 404:
        return "H"
    if lists:
        assert response.status_code == 200, response.text
        return "R" if any(case in response.text for case in other_cases) else "H"
    # Past the tenant check, the case's own state may still refuse (a closed case, the
    # reviewer who acted): that is reaching it.
    assert response.status_code in (200, 201, 409), response.text
    return "R"


def test_every_route_is_in_the_table_or_says_why_it_holds_no_tenants_cases(
    client: TestClient,
) -> None:
    found = set()
    for route in every_route(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIWebSocketRoute):
            found.add(("WS", route.path))
        elif isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods or ()}
    found = {(method, path) for method, path in found if path not in DOCUMENTATION}
    assert found == set(TABLE) | set(UNTENANTED)


@pytest.mark.parametrize(("method", "path"), list(TABLE))
def test_each_caller_reaches_another_tenants_case_only_as_the_table_says(
    client: TestClient, cases: dict[str, str], method: str, path: str
) -> None:
    url = re.sub(r"\{(\w+)\}", lambda m: cases[m.group(1)], path)
    lists = "{" not in path
    got = []
    for name in CALLERS:
        response = client.request(method, url, json=BODIES.get(path), headers=as_(name))
        others = (cases["case_id"], cases["queued"], cases["stream_id"])
        got.append(outcome(response, others, lists))
    assert " ".join(got) == TABLE[(method, path)], dict(zip(CALLERS, got, strict=True))


def test_a_service_and_an_appellant_read_their_own_cases(
    client: TestClient, cases: dict[str, str]
) -> None:
    own = cases["own"]
    read = client.get(f"/v1/cases/{own}", headers=as_("platform-a"))
    listed = client.get("/v1/cases", headers=as_("platform-a")).json()["cases"]
    statement = client.get(f"/v1/cases/{own}/statement-of-reasons", headers=as_("acct-a"))
    moderating = client.get(f"/v1/cases/{own}", headers=as_("acct-a-mod"))

    assert read.status_code == 200, read.text
    assert read.json()["tenant"] == "platform-a"
    assert [case["case_id"] for case in listed] == [own]  # of three cases
    assert statement.status_code == 200, statement.text
    assert moderating.status_code == 200, moderating.text


def test_a_case_out_of_reach_reads_exactly_as_a_missing_one(
    client: TestClient, cases: dict[str, str]
) -> None:
    hidden = client.get(f"/v1/cases/{cases['case_id']}", headers=as_("platform-a"))
    missing = client.get(f"/v1/cases/{'0' * 32}", headers=as_("platform-a"))

    assert hidden.status_code == missing.status_code == 404
    hidden_message = hidden.json()["error"]["message"].replace(cases["case_id"], "ID")
    assert hidden_message == missing.json()["error"]["message"].replace("0" * 32, "ID")


def test_a_case_records_the_credential_that_submitted_it_and_tenants_never_share_one(
    client: TestClient, gift_card_clip: Path
) -> None:
    def submit(name: str) -> httpx.Response:
        with gift_card_clip.open("rb") as media:
            response: httpx.Response = client.post(
                "/v1/media",
                data={"account_id": "acct-shared", "content_id": "post-1"},
                files={"file": ("clip.mp4", media, "video/mp4")},
                headers=as_(name),
            )
        return response

    first, same_media_other_tenant = submit("platform-a"), submit("platform-b")
    again = submit("platform-a")

    assert first.status_code == same_media_other_tenant.status_code == 202, first.text
    assert same_media_other_tenant.json()["duplicate"] is False
    assert same_media_other_tenant.json()["case_id"] != first.json()["case_id"]
    assert again.json() | {"status": None} == first.json() | {
        "status": None,
        "duplicate": True,
    }
    case = client.get(f"/v1/cases/{first.json()['case_id']}", headers=as_("platform-a"))
    assert case.json()["tenant"] == "platform-a"
    theirs = client.get(f"/v1/cases/{first.json()['case_id']}", headers=as_("platform-b"))
    assert theirs.status_code == 404
