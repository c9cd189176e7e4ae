"""The console's routes for browsing a term list, against a real termmatch process:
searching its terms, its versions and what changed between two, a page at a time;
whoever may read lists may browse them, and a bad request is a 400 or 404 that says why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from tests.support import ServiceProcess, loopback_settings

KEY_SUFFIX = "-0123456789abcdef0123456789"
PEOPLE = {
    "ana": "policy-admin",
    "ben": "policy-admin",
    "mo": "moderator",
    "audrey": "auditor",
    "apel": "appellant",
}


def as_(name: str) -> dict[str, str]:
    return {"X-API-Key": f"key-{name}{KEY_SUFFIX}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The list "browse" at version 3: 12 gift terms and "act now" created by ana, g03
    changed by ben, act-now removed by ben."""
    settings = loopback_settings(
        tmp_path_factory.mktemp("gateway-browse") / "data",
        api_keys=",".join(f"{name}:{role}:key-{name}{KEY_SUFFIX}" for name, role in PEOPLE.items()),
    )
    with (
        ServiceProcess("termmatch", settings),
        TestClient(create_app(settings.of(GatewaySettings)), headers=as_("ana")) as client,
    ):
        terms = [
            {"term_id": f"g{n:02}", "text": f"Gift {n}", "severity": "high", "category": "scam"}
            for n in range(12)
        ]
        terms.append({"term_id": "act-now", "text": "act now", "severity": "low", "category": ""})
        created = client.post("/v1/lists", json={"list_id": "browse", "name": "B", "terms": terms})
        assert created.status_code == 201, created.text
        changed = {"text": "Voucher 3", "severity": "high", "category": "scam"}
        assert client.put("/v1/lists/browse/terms/g03", json=changed, headers=as_("ben")).is_success
        assert client.delete("/v1/lists/browse/terms/act-now", headers=as_("ben")).is_success
        yield client


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_a_search_is_read_page_by_page_following_the_token(client: TestClient) -> None:
    ids: list[str] = []
    token = ""
    while True:
        page = client.get(
            "/v1/lists/browse/terms", params={"q": "GIFT", "page_size": 4, "page_token": token}
        )
        assert page.status_code == 200, page.text
        assert page.json()["version"] == 3
        ids += [term["term_id"] for term in page.json()["terms"]]
        token = page.json()["next_page_token"]
        if not token:
            break
    assert ids == [f"g{n:02}" for n in range(12) if n != 3]
    (voucher,) = client.get("/v1/lists/browse/terms?q=vouch").json()["terms"]
    assert (voucher["term_id"], voucher["severity"]) == ("g03", "SEVERITY_HIGH")


def test_a_search_of_an_earlier_version_and_an_empty_query(client: TestClient) -> None:
    earlier = client.get("/v1/lists/browse/terms?q=act&version=2").json()
    assert (earlier["version"], [t["text"] for t in earlier["terms"]]) == (2, ["act now"])
    everything = client.get("/v1/lists/browse/terms").json()
    assert len(everything["terms"]) == 12
    assert everything["next_page_token"] == ""


def test_versions_say_who_made_each_edit_with_its_kind_and_counts(client: TestClient) -> None:
    first = client.get("/v1/lists/browse/versions?page_size=2")
    assert first.status_code == 200, first.text
    rest = client.get(
        "/v1/lists/browse/versions", params={"page_token": first.json()["next_page_token"]}
    ).json()
    assert rest["next_page_token"] == ""
    versions = [*first.json()["versions"], *rest["versions"]]
    counts = ("terms_added", "terms_removed", "terms_changed", "term_count")
    assert [(v["version"], v["actor"], v["edit"], *(v[c] for c in counts)) for v in versions] == [
        (3, "ben", "LIST_EDIT_TERMS_REMOVED", 0, 1, 0, 12),
        (2, "ben", "LIST_EDIT_TERMS_UPDATED", 0, 0, 1, 13),
        (1, "ana", "LIST_EDIT_CREATED", 13, 0, 0, 13),
    ]
    assert all(v["created_at"].endswith("Z") for v in versions)


def test_the_changes_between_two_versions_name_each_term_before_and_after(
    client: TestClient,
) -> None:
    response = client.get("/v1/lists/browse/changes?from_version=1&to_version=3")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_version"], body["to_version"], body["next_page_token"]) == (1, 3, "")
    removed, changed = body["changes"]
    assert (removed["term_id"], removed["kind"], removed["before"]["text"]) == (
        "act-now",
        "TERM_CHANGE_KIND_REMOVED",
        "act now",
    )
    assert "after" not in removed
    assert (changed["kind"], changed["before"]["text"], changed["after"]["text"]) == (
        "TERM_CHANGE_KIND_CHANGED",
        "Gift 3",
        "Voucher 3",
    )
    # to_version defaults to the current one.
    assert client.get("/v1/lists/browse/changes?from_version=2").json()["changes"] == [removed]


@pytest.mark.parametrize("reader", ["ana", "mo", "audrey"])
def test_whoever_may_read_lists_may_browse_them(client: TestClient, reader: str) -> None:
    for path in (
        "/v1/lists/browse/terms?q=gift",
        "/v1/lists/browse/versions",
        "/v1/lists/browse/changes?from_version=1",
    ):
        assert client.get(path, headers=as_(reader)).status_code == 200, (reader, path)


def test_an_appellant_may_not_browse_and_only_a_policy_admin_edits(client: TestClient) -> None:
    assert client.get("/v1/lists/browse/terms", headers=as_("apel")).status_code == 403
    added = client.post(
        "/v1/lists/browse/terms",
        json={"terms": [{"text": "new", "severity": "low", "category": ""}]},
        headers=as_("mo"),
    )
    assert added.status_code == 403


@pytest.mark.parametrize(
    ("path", "status", "field", "message"),
    [
        ("/v1/lists/browse/terms?page_token=not-a-token", 400, "page_token", "not one this"),
        ("/v1/lists/browse/versions?page_token=W10", 400, "page_token", "not one this"),
        ("/v1/lists/browse/terms?version=9", 404, "version", "has no version 9 (latest is 3)"),
        ("/v1/lists/ghost/terms?q=x", 404, "list_id", "term list 'ghost' not found"),
        (
            "/v1/lists/browse/changes?from_version=3&to_version=2",
            400,
            "from_version",
            "from_version 3 is after to_version 2",
        ),
        ("/v1/lists/browse/changes?from_version=7", 404, "from_version", "has no version 7"),
        ("/v1/lists/browse/terms?q=" + "x" * 301, 400, "query", "query is 301 characters"),
    ],
    ids=[
        "garbled token",
        "token of nothing",
        "unknown version",
        "unknown list",
        "from after to",
        "unknown from",
        "long query",
    ],
)
def test_a_bad_request_says_what_is_wrong_and_names_the_field(
    client: TestClient, path: str, status: int, field: str, message: str
) -> None:
    error = error_of(client.get(path), status)
    assert message in error["message"]
    assert [v["field"] for v in error["field_violations"]] == [field]


def test_a_token_for_another_search_is_a_400(client: TestClient) -> None:
    token = client.get("/v1/lists/browse/terms?q=gift&page_size=2").json()["next_page_token"]
    error = error_of(client.get(f"/v1/lists/browse/terms?q=voucher&page_token={token}"), 400)
    assert "page_token continues another request" in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/lists/browse/changes",
        "/v1/lists/browse/changes?from_version=0",
        "/v1/lists/browse/terms?page_size=-1",
        "/v1/lists/browse/terms?page_size=4294967296",
        "/v1/lists/browse/versions?page_size=many",
    ],
    ids=["no from_version", "from_version 0", "negative page", "page over int32", "not a number"],
)
def test_a_malformed_parameter_is_a_422_before_termmatch_is_asked(
    client: TestClient, path: str
) -> None:
    assert client.get(path).status_code == 422
