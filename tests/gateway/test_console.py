"""The REST routes the reviewers' console calls, against a real decision process: the
queue and the case list a page at a time with their filters, the live wall with its
flag cursor; a bad page token or filter is a 400 (or 422) that says what to send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from tests.decision.examples import CAPTURED, opened_case, term_hit
from tests.support import AUDIT_KEY, LoopbackSettings, ServiceProcess, loopback_settings

PEOPLE = {
    "mod": "moderator",
    "aud": "auditor",
    "pol": "policy-admin",
    "platform": "service",
}


def as_(name: str) -> dict[str, str]:
    return {"X-API-Key": f"key-of-{name}-{'k' * 24}"}


@pytest.fixture(scope="module")
def mesh_settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(
        tmp_path_factory.mktemp("console") / "data",
        api_keys=",".join(
            f"{name}:{roles}:{as_(name)['X-API-Key']}" for name, roles in PEOPLE.items()
        ),
    )


@pytest.fixture(scope="module")
def client(mesh_settings: LoopbackSettings) -> Iterator[TestClient]:
    with (
        ServiceProcess("decision", mesh_settings),
        TestClient(create_app(mesh_settings.of(GatewaySettings))) as client,
    ):
        registered = client.put("/v1/reviewers/mod", json={"reason": "new"}, headers=as_("pol"))
        assert registered.status_code == 200, registered.text
        yield client


@pytest.fixture(scope="module")
def cases(client: TestClient, mesh_settings: LoopbackSettings) -> list[str]:
    """Eleven open cases: eight of account repeat-1, three of another."""
    url = mesh_settings.database_url_for("decision")
    return [opened_case(url, 700 + n, "repeat-1" if n < 8 else "other-1") for n in range(11)]


@pytest.fixture(scope="module")
def stream(client: TestClient, mesh_settings: LoopbackSettings) -> str:
    """A stream on air with one flag."""
    store = CaseStore(mesh_settings.database_url_for("decision"), audit_key=AUDIT_KEY)
    try:
        store.open_stream("show-1", "streamer-1", CAPTURED, 0.0, "call-1")
        store.record_live_update("show-1", "call-1", [(term_hit(), ())], 5.0, DEFAULT_RULE_SET)
    finally:
        store.close()
    return "show-1"


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def every_page(client: TestClient, path: str, params: dict[str, Any]) -> list[list[str]]:
    pages, token = [], ""
    for _ in range(50):
        response = client.get(path, params={**params, "page_token": token}, headers=as_("mod"))
        assert response.status_code == 200, response.text
        pages.append([case["case_id"] for case in response.json()["cases"]])
        if not (token := response.json()["next_page_token"]):
            return pages
    pytest.fail(f"the pages of {path} never ended")


def test_the_queue_pages_through_every_case_once_and_says_how_many(
    client: TestClient, cases: list[str]
) -> None:
    first = client.get("/v1/queue", params={"limit": 4}, headers=as_("mod")).json()

    pages = every_page(client, "/v1/queue", {"limit": 4})

    every = [case_id for page in pages for case_id in page]
    assert set(cases) <= set(every)
    assert len(every) == len(set(every)) == first["total"]
    assert [len(page) for page in pages[:-1]] == [4] * (len(pages) - 1)


@pytest.mark.parametrize(
    ("params", "matching"),
    [
        ({"category": "scam"}, True),
        ({"list_id": "sample-scams", "language": "en"}, True),
        ({"source": "recorded"}, True),
        ({"category": "hate"}, False),
        ({"language": "fr"}, False),
        ({"source": "live"}, False),
    ],
)
def test_the_queue_is_filtered(
    client: TestClient, cases: list[str], params: dict[str, str], matching: bool
) -> None:
    response = client.get("/v1/queue", params={**params, "limit": 500}, headers=as_("mod"))

    assert response.status_code == 200, response.text
    listed = {case["case_id"] for case in response.json()["cases"]}
    assert (set(cases) <= listed) is matching
    assert response.json()["total"] == len(listed)


def test_an_accounts_earlier_cases_come_newest_first_a_page_at_a_time(
    client: TestClient, cases: list[str]
) -> None:
    pages = every_page(client, "/v1/cases", {"account_id": "repeat-1", "limit": 3})

    assert [len(page) for page in pages] == [3, 3, 2]
    assert [case_id for page in pages for case_id in page] == cases[:8][::-1]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/queue", {"page_token": "not-a-token"}),
        ("/v1/cases", {"page_token": "bm90IGEgdG9rZW4"}),
    ],
)
def test_a_page_token_the_list_did_not_give_out_is_a_400_saying_what_to_send(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    response = client.get(path, params=params, headers=as_("mod"))

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert "page_token is not a token this list gave out" in error["message"]
    assert "pass the next_page_token of the previous page" in error["message"]
    assert [v["field"] for v in error["field_violations"]] == ["page_token"]


def test_a_token_of_another_status_order_is_a_400(client: TestClient, cases: list[str]) -> None:
    newest = client.get("/v1/cases", params={"limit": 1}, headers=as_("mod")).json()

    response = client.get(
        "/v1/cases",
        params={"status": "open", "page_token": newest["next_page_token"]},
        headers=as_("mod"),
    )

    assert response.status_code == 400
    assert "newest order, not this one (queue)" in error_of(response)["message"]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v1/queue", {"source": "uploaded"}, 422),
        ("/v1/queue", {"category": "x" * 256}, 422),
        ("/v1/cases", {"account_id": "a\0b"}, 400),
        ("/v1/streams", {"after_flag_id": -1}, 422),
        ("/v1/streams", {"ended_within_seconds": 86_401}, 422),
    ],
    ids=["unknown-source", "long-filter", "nul", "negative-cursor", "long-window"],
)
def test_a_malformed_filter_is_refused_before_any_case_is_read(
    client: TestClient, path: str, params: dict[str, Any], status: int
) -> None:
    response = client.get(path, params=params, headers=as_("mod"))

    assert response.status_code == status, response.text


def test_the_live_wall_lists_the_stream_and_only_new_flags_on_the_next_poll(
    client: TestClient, stream: str
) -> None:
    wall = client.get("/v1/streams", headers=as_("aud"))
    again = client.get(
        "/v1/streams",
        params={"after_flag_id": wall.json()["next_after_flag_id"]},
        headers=as_("mod"),
    )
    platform = client.get("/v1/streams", headers=as_("platform"))

    assert wall.status_code == 200, wall.text
    [listed] = [s for s in wall.json()["streams"] if s["stream_id"] == stream]
    assert (listed["account_id"], listed["flag_count"], listed["connected"]) == (
        "streamer-1",
        1,
        True,
    )
    assert listed["case_id"]
    assert "ended_at" not in listed  # on air
    [flag] = [f for f in wall.json()["flags"] if f["stream_id"] == stream]
    assert flag["flag"]["hit"]["term"] == "free gift card"
    assert flag["flag_id"] == wall.json()["next_after_flag_id"]
    assert again.json()["flags"] == []
    assert again.json()["next_after_flag_id"] == flag["flag_id"]
    assert platform.status_code == 403  # moderators and auditors watch the wall
