"""The term-list routes beyond the basics, against a real termmatch process: flags,
exceptions, windows and capture time, term updates, and bulk import/export."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from tests.support import ServiceProcess, loopback_settings

ADMIN_KEY = "key-lists-admin-0123456789abcdef01"
CSV = "term_id,text,severity,category\ngift,free gift card,high,scam\n,act now,low,spam\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = loopback_settings(
        tmp_path_factory.mktemp("gateway-lists") / "data",
        api_keys=f"lists-admin:policy-admin:{ADMIN_KEY}",
    )
    with (
        ServiceProcess("termmatch", settings),
        TestClient(
            create_app(settings.of(GatewaySettings)), headers={"X-API-Key": ADMIN_KEY}
        ) as client,
    ):
        yield client


def test_a_list_with_flags_exceptions_and_a_window_matches_as_of_the_capture_time(
    client: TestClient,
) -> None:
    created = client.post(
        "/v1/lists",
        json={
            "list_id": "evasions",
            "name": "Evasions",
            "flags": {"leetspeak": True, "ignore_separators": True, "confusables": True},
            "exceptions": ["free gift card terms"],
            "terms": [
                {"text": "free gift card", "severity": "high", "category": "scam"},
                {
                    "text": "friday",
                    "severity": "low",
                    "category": "spam",
                    "kind": "substring",
                    "active_from": "2025-11-01T00:00:00Z",
                    "active_until": "2025-12-01T00:00:00Z",
                },
            ],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["flags"]["leetspeak"] is True

    def matched(text: str, capture_time: str | None = None) -> list[str]:
        body = {"text": text, "list_ids": ["evasions"], "capture_time": capture_time}
        response = client.post("/v1/match", json=body)
        assert response.status_code == 200, response.text
        return [hit["matched_text"] for hit in response.json()["hits"]]

    assert matched("fr33 g1ft c.a.r.d!") == ["fr33 g1ft c.a.r.d"]
    assert matched("read the free gift card terms") == []
    assert matched("blackfriday deals", "2025-11-28T12:00:00Z") == ["friday"]
    assert matched("blackfriday deals", "2026-01-05T12:00:00Z") == []

    updated = client.put(
        "/v1/lists/evasions", json={"name": "Evasions", "flags": {"leetspeak": False}}
    )
    assert (updated.status_code, updated.json()["version"]) == (200, 2)
    assert matched("fr33 g1ft card") == []


def test_a_term_is_replaced_in_place_with_a_new_version(client: TestClient) -> None:
    client.post("/v1/lists", json={"list_id": "edit", "name": "E"})
    client.post("/v1/lists/edit/import", content=CSV)
    replaced = client.put(
        "/v1/lists/edit/terms/gift",
        json={"text": "gift voucher", "severity": "critical", "category": "scam"},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["list"]["version"] == 3
    assert [(t["term_id"], t["text"]) for t in replaced.json()["terms"]] == [
        ("gift", "gift voucher")
    ]
    current = client.get("/v1/lists/edit").json()
    assert [(t["term_id"], t["text"]) for t in current["terms"]] == [
        ("gift", "gift voucher"),
        ("act-now", "act now"),
    ]
    earlier = client.get("/v1/lists/edit?version=2").json()
    assert (earlier["version"], earlier["terms"][0]["text"]) == (2, "free gift card")


def test_import_and_export_round_trip_as_csv_and_json_lines(client: TestClient) -> None:
    client.post("/v1/lists", json={"list_id": "bulk", "name": "Bulk"})
    imported = client.post("/v1/lists/bulk/import?format=csv", content=CSV)
    assert imported.status_code == 200, imported.text
    assert imported.json()["list"]["term_count"] == 2
    assert imported.json()["rows"] == 2

    exported = client.get("/v1/lists/bulk/export?format=jsonl")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/x-ndjson"
    again = client.post("/v1/lists/bulk/import?format=jsonl&replace=true", content=exported.content)
    assert (again.status_code, again.json()["list"]["version"]) == (200, 3)
    csv = client.get("/v1/lists/bulk/export").text
    assert csv.splitlines()[0].startswith("term_id,text,severity")
    assert len(csv.splitlines()) == 3


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/lists/bulk/import", "text,severity\nok,low\n,low\n", 400, "line 3: text must not"),
        ("/v1/lists/bulk/import", "text,severity\nok,lowish\n", 400, "line 2: severity 'lowish'"),
        ("/v1/lists/bulk/import", b"text,severity\n\xff,low\n", 400, "not UTF-8"),
        ("/v1/lists/ghost/import", CSV, 404, "term list 'ghost' not found"),
    ],
)
def test_a_bad_import_is_refused_and_nothing_of_it_is_applied(
    client: TestClient, path: str, body: str | bytes, status: int, message: str
) -> None:
    client.post("/v1/lists", json={"list_id": "bulk", "name": "Bulk"})
    before = client.get("/v1/lists/bulk").json()["version"]
    response = client.post(path, content=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]
    assert client.get("/v1/lists/bulk").json()["version"] == before


def test_exporting_an_unknown_list_is_a_404(client: TestClient) -> None:
    response = client.get("/v1/lists/ghost/export")
    assert response.status_code == 404
    assert "term list 'ghost' not found" in response.json()["error"]["message"]


def test_a_lone_surrogate_in_json_is_refused_with_400_not_a_crash(client: TestClient) -> None:
    body = '{"text": "free \\ud800 gift"}'
    response = client.post("/v1/match", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert "text has a lone surrogate code point at position 5" in response.text
