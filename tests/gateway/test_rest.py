"""The gateway's REST API, against real termmatch, similarity and decision processes.

Transcription is deliberately not started (its model is slow to load): cases end
RETRYING (or FAILED, past a retry budget of 0 s here), which is all the readiness probe
and the case routes need.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from modmesh.cli.samples import make_clip
from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime import audit
from modmesh.runtime.database import open_engine
from modmesh.similarity.tables import AUDIT_TABLE as SIMILARITY_AUDIT
from modmesh.termmatch.tables import AUDIT_TABLE as TERMMATCH_AUDIT
from tests.bounded import long_flac
from tests.decision.examples import opened_case
from tests.support import (
    AUDIT_KEY,
    LoopbackSettings,
    ServiceProcess,
    loopback_settings,
    run_modmesh,
)

TERM = {"text": "free gift card", "severity": "high", "category": "scam"}
OPERATOR_KEY = "key-test-operator-0123456789abcdef"
#: Keys are at least 32 bytes: each person's is this suffix after their name.
KEY_SUFFIX = "-0123456789abcdef0123456789"
REVIEWERS = ("rest-ana", "rest-ben", "rest-cleo", "rest-first", "rest-second")


@pytest.fixture(scope="module")
def mesh_settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    people = [f"{name}:moderator:key-{name}{KEY_SUFFIX}" for name in REVIEWERS]
    return loopback_settings(
        tmp_path_factory.mktemp("gateway") / "data",
        api_keys=",".join(
            [
                f"test-operator:moderator+policy-admin+auditor+service:{OPERATOR_KEY}",
                f"admin-1:policy-admin:key-admin-1{KEY_SUFFIX}",
                f"rest-appellant:appellant:key-rest-appellant{KEY_SUFFIX}",
                *people,
            ]
        ),
        # Without transcription a case fails at once instead of waiting and retrying.
        case_retry_budget_seconds=0,
        engine_wait_seconds=1,
    )


def as_(subject: str) -> dict[str, str]:
    """The credential of one of the test's people (the client's default is the operator)."""
    return {"X-API-Key": f"key-{subject}{KEY_SUFFIX}"}


@pytest.fixture(scope="module")
def client(mesh_settings: LoopbackSettings) -> Iterator[TestClient]:
    with (
        ServiceProcess("termmatch", mesh_settings),
        ServiceProcess("similarity", mesh_settings),
        ServiceProcess("decision", mesh_settings),
        TestClient(
            create_app(mesh_settings.of(GatewaySettings)), headers={"X-API-Key": OPERATOR_KEY}
        ) as client,
    ):
        yield client


def error_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    return error


def blob_files(settings: LoopbackSettings) -> set[Path]:
    root = settings.data_dir / "blobs"
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


# Term lists


def test_a_term_list_is_created_read_extended_trimmed_and_matched(client: TestClient) -> None:
    created = client.post(
        "/v1/lists",
        json={"list_id": "scams", "name": "Scams", "terms": [{"term_id": "gift", **TERM}]},
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/lists/scams"
    assert created.json()["version"] == 1
    assert created.json()["terms"][0]["severity"] == "SEVERITY_HIGH"

    added = client.post(
        "/v1/lists/scams/terms",
        json={"terms": [{"text": "wire the money", "severity": "critical", "category": "scam"}]},
    )
    assert added.status_code == 200, added.text
    # An edit answers with the list's new version without its terms (a list may hold a
    # million), and the terms it added.
    assert (added.json()["list"]["version"], added.json()["list"]["term_count"]) == (2, 2)
    assert added.json()["list"]["terms"] == []
    assert [t["text"] for t in added.json()["terms"]] == ["wire the money"]

    removed = client.delete("/v1/lists/scams/terms/gift")
    assert removed.status_code == 200, removed.text
    assert (removed.json()["list"]["version"], removed.json()["list"]["term_count"]) == (3, 1)

    fetched = client.get("/v1/lists/scams").json()
    assert fetched["version"] == 3
    assert [t["text"] for t in fetched["terms"]] == ["wire the money"]
    assert {"list_id": "scams", "name": "Scams", "version": 3, "term_count": 1} in client.get(
        "/v1/lists"
    ).json()["lists"]

    matched = client.post(
        "/v1/match", json={"text": "Please WIRE the money today", "list_ids": ["scams"]}
    )
    assert matched.status_code == 200, matched.text
    [hit] = matched.json()["hits"]
    assert hit["matched_text"] == "WIRE the money"
    assert hit["list_version"] == 3
    assert hit["span"] == {"start": 7, "end": 21}


def test_list_edits_are_audited_in_termmatch_with_the_credential_s_subject(
    client: TestClient, mesh_settings: LoopbackSettings
) -> None:
    admin = as_("admin-1")
    created = client.post(
        "/v1/lists", json={"list_id": "audited", "name": "A", "terms": [TERM]}, headers=admin
    )
    assert created.status_code == 201, created.text
    added = client.post(
        "/v1/lists/audited/terms", json={"terms": [{**TERM, "text": "act now"}]}, headers=admin
    )
    assert added.status_code == 200, added.text
    term_id = added.json()["terms"][0]["term_id"]
    assert client.delete(f"/v1/lists/audited/terms/{term_id}", headers=admin).status_code == 200

    engine = open_engine(f"sqlite:///{mesh_settings.data_dir / 'termmatch.db'}")
    log = list(audit.read_entries(engine, TERMMATCH_AUDIT))
    engine.dispose()

    assert audit.verify(log, AUDIT_KEY).ok
    edits = [(e.actor, e.action, e.details["version"]) for e in log if e.subject == "lists/audited"]
    assert edits == [
        ("admin-1", "list.created", 1),
        ("admin-1", "terms.added", 2),
        ("admin-1", "terms.removed", 3),
    ]


def test_an_unknown_list_is_a_404_with_the_json_error_body(client: TestClient) -> None:
    response = client.get("/v1/lists/no-such-list")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert "no-such-list" in error["message"]
    assert error["field_violations"] == [{"field": "list_id", "description": error["message"]}]


def test_a_method_a_path_lacks_is_a_405_allowing_what_the_document_lists_for_it(
    client: TestClient,
) -> None:
    # /v1/cases/retry also fits /v1/cases/{case_id} (GET); the concrete path is its own.
    response = client.options("/v1/cases/retry")
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert error_of(response)["code"] == "UNIMPLEMENTED"
    assert client.delete("/v1/rules").headers["Allow"] == "GET, PUT"


@pytest.mark.parametrize(
    "term",
    [
        {"severity": "high", "category": "scam"},
        {**TERM, "severity": "apocalyptic"},
        {**TERM, "severty": "high"},
    ],
    ids=["missing text", "unknown severity", "misspelt field"],
)
def test_a_malformed_term_is_a_422_before_any_service_is_asked(
    client: TestClient, term: dict[str, str]
) -> None:
    response = client.post("/v1/lists", json={"list_id": "malformed", "name": "M", "terms": [term]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "terms", 0]


def test_a_term_only_the_service_can_judge_is_a_400_naming_the_field(client: TestClient) -> None:
    pattern = {**TERM, "text": "free (gift", "kind": "regex"}
    response = client.post("/v1/lists", json={"list_id": "bad-re", "name": "B", "terms": [pattern]})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    [violation] = error["field_violations"]
    assert violation["field"] == "terms[0].text"


def test_a_blank_term_is_refused_by_the_schema_that_says_so(client: TestClient) -> None:
    response = client.post(
        "/v1/lists", json={"list_id": "blank", "name": "B", "terms": [{**TERM, "text": "   "}]}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "terms", 0, "text"]


def test_creating_a_list_twice_is_a_409(client: TestClient) -> None:
    body = {"list_id": "twice", "name": "Twice", "terms": [TERM]}
    assert client.post("/v1/lists", json=body).status_code == 201
    response = client.post("/v1/lists", json=body)
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"


# Media and cases


def test_uploaded_media_opens_a_case_that_can_be_read_back(
    client: TestClient, gift_card_clip: Path
) -> None:
    with gift_card_clip.open("rb") as media:
        response = client.post(
            "/v1/media",
            data={"account_id": "acct-1", "capture_time": "2025-01-02T03:04:05+01:00"},
            files={"file": ("clip.mp4", media, "video/mp4")},
        )
    assert response.status_code == 202, response.text
    submitted = response.json()
    assert submitted["duplicate"] is False
    assert submitted["status"] == "CASE_STATUS_PROCESSING"
    assert response.headers["location"] == f"/v1/cases/{submitted['case_id']}"

    case = client.get(response.headers["location"])
    assert case.status_code == 200, case.text
    assert case.json()["case_id"] == submitted["case_id"]
    assert case.json()["media"]["size_bytes"] == gift_card_clip.stat().st_size
    assert case.json()["media"]["mime_type"] == "video/mp4"
    assert case.json()["source"]["account_id"] == "acct-1"
    assert case.json()["source"]["capture_time"] == "2025-01-02T02:04:05Z"
    listed = client.get("/v1/cases", params={"limit": 500}).json()["cases"]
    assert submitted["case_id"] in [c["case_id"] for c in listed]


def until_decided(client: TestClient, case_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        case: dict[str, Any] = client.get(f"/v1/cases/{case_id}").json()
        if case["status"] not in ("CASE_STATUS_PROCESSING", "CASE_STATUS_RETRYING"):
            return case
        assert time.monotonic() < deadline, f"case {case_id} still {case['status']}"
        time.sleep(0.2)


def test_a_policy_admin_retries_a_failed_case_and_nobody_else_may(
    client: TestClient, gift_card_clip: Path, mesh_settings: LoopbackSettings
) -> None:
    with gift_card_clip.open("rb") as media:
        submitted = client.post(
            "/v1/media",
            data={"account_id": "acct-retry"},
            files={"file": ("clip.mp4", media, "video/mp4")},
        ).json()
    failed = until_decided(client, submitted["case_id"])
    assert failed["status"] == "CASE_STATUS_FAILED"
    assert "transcription failed: UNAVAILABLE" in failed["error"]
    assert "retry budget" in failed["error"]

    forbidden = client.post(
        "/v1/cases/retry", json={"case_ids": [failed["case_id"]]}, headers=as_("rest-ana")
    )
    retried = client.post(
        "/v1/cases/retry", json={"case_ids": [failed["case_id"]]}, headers=as_("admin-1")
    )

    assert forbidden.status_code == 403, forbidden.text
    assert retried.status_code == 200, retried.text
    [case] = retried.json()["cases"]
    assert (case["case_id"], case["status"]) == (failed["case_id"], "CASE_STATUS_PROCESSING")
    # Transcription is still down, so the case fails again, after a second analysis.
    assert until_decided(client, failed["case_id"])["status"] == "CASE_STATUS_FAILED"
    open_one = opened_case(mesh_settings.database_url_for("decision"), 103, "acct-retry")
    not_failed = client.post(
        "/v1/cases/retry", json={"case_ids": [open_one]}, headers=as_("admin-1")
    )
    assert not_failed.status_code == 409, not_failed.text
    assert "only FAILED cases are retried" in error_of(not_failed)["message"]
    unknown = client.post("/v1/cases/retry", json={"case_ids": ["nope"]}, headers=as_("admin-1"))
    assert unknown.status_code == 404, unknown.text


def test_an_empty_upload_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/v1/media", data={"account_id": "acct-1"}, files={"file": ("empty.mp4", b"")}
    )
    assert response.status_code == 400
    assert "empty" in error_of(response)["message"]


def test_an_upload_that_is_not_media_is_a_400_naming_the_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/media",
        data={"account_id": "acct-1"},
        files={"file": ("notes.mp4", b"these are not moving pictures", "video/mp4")},
    )
    assert response.status_code == 400
    error = error_of(response)
    assert "not a media file" in error["message"]
    assert error["field_violations"][0]["field"] == "media"


def test_an_upload_longer_than_the_duration_limit_is_a_400_naming_the_limit(
    client: TestClient, media_dir: Path
) -> None:
    five_hours = long_flac(media_dir / "five-hours-of-silence.flac", 5 * 3600)
    response = client.post(
        "/v1/media",
        data={"account_id": "acct-1"},
        files={"file": ("long.flac", five_hours.read_bytes(), "audio/flac")},
    )
    assert response.status_code == 400
    error = error_of(response)
    assert "over the limit of 14400 s (MODMESH_MAX_MEDIA_SECONDS)" in error["message"]
    assert error["field_violations"][0]["field"] == "media"


def test_an_upload_without_file_or_account_is_a_422(client: TestClient) -> None:
    no_file = client.post("/v1/media", data={"account_id": "acct-1"}, files={"x": ("x", b"1")})
    assert no_file.status_code == 422
    assert ["body", "file"] in [d["loc"] for d in no_file.json()["detail"]]
    no_account = client.post("/v1/media", files={"file": ("a.mp4", b"1")})
    assert no_account.status_code == 422
    assert no_account.json()["detail"][0]["loc"] == ["body", "account_id"]


def test_a_refused_upload_leaves_no_blob_behind(
    client: TestClient, mesh_settings: LoopbackSettings
) -> None:
    before = blob_files(mesh_settings)

    not_media = client.post(
        "/v1/media",
        data={"account_id": "acct-1"},
        files={"file": ("notes.mp4", b"refused by decision: not media", "video/mp4")},
    )
    no_account = client.post("/v1/media", files={"file": ("a.mp4", b"refused by the form")})
    not_searchable = client.post(
        "/v1/similarity/search", files={"file": ("q.mp4", b"refused by similarity", "video/mp4")}
    )

    assert (not_media.status_code, no_account.status_code) == (400, 422)
    assert not_searchable.status_code == 400
    assert blob_files(mesh_settings) == before


def test_a_refused_upload_keeps_the_blob_an_earlier_case_holds(
    client: TestClient, mesh_settings: LoopbackSettings, gift_card_clip: Path
) -> None:
    media = gift_card_clip.read_bytes()
    kept = client.post("/v1/media", data={"account_id": "a"}, files={"file": ("c.mp4", media)})
    assert kept.status_code == 202, kept.text
    before = blob_files(mesh_settings)

    refused = client.post("/v1/media", files={"file": ("c.mp4", media)})  # no account_id

    assert refused.status_code == 422
    assert blob_files(mesh_settings) == before


def test_a_search_query_and_a_bank_item_leave_no_blob_behind(
    client: TestClient, mesh_settings: LoopbackSettings, media_dir: Path
) -> None:
    query = make_clip(media_dir / "query-only.mp4", "Nothing to see here.", video="testsrc2")
    before = blob_files(mesh_settings)

    added = client.post(
        "/v1/similarity/items",
        data={"bank": "gateway-transient", "item_id": "query-only"},
        files={"file": ("item.mp4", query.read_bytes(), "video/mp4")},
    )
    found = client.post(
        "/v1/similarity/search",
        data={"banks": "gateway-transient"},
        files={"file": ("query.mp4", query.read_bytes(), "video/mp4")},
    )

    assert (added.status_code, found.status_code) == (201, 200), found.text
    assert found.json()["matches"][0]["item_id"] == "query-only"
    assert blob_files(mesh_settings) == before


def test_an_upload_that_is_not_a_multipart_form_is_a_400(client: TestClient) -> None:
    response = client.post("/v1/media", json={"account_id": "acct-1"})
    assert response.status_code == 400
    assert "multipart/form-data" in error_of(response)["message"]


async def test_an_upload_over_the_limit_is_a_413_refused_before_the_rest_is_read(
    mesh_settings: LoopbackSettings,
) -> None:
    # httpx's ASGI transport hands the body over chunk by chunk, as a server does;
    # no service is needed, as the gateway refuses the upload itself.
    small = dataclasses.replace(mesh_settings, max_media_bytes=64 * 1024)
    app = create_app(small.of(GatewaySettings))
    boundary = "modmesh-test-boundary"
    chunk, chunks = b"\0" * 16 * 1024, 1024
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="account_id"\r\n\r\n'
            f'acct-1\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        for _ in range(chunks):
            read += 1
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    before = blob_files(small)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
    ):
        response = await gw.post(
            "/v1/media",
            content=body(),
            headers={
                "content-type": f"multipart/form-data; boundary={boundary}",
                "X-API-Key": OPERATOR_KEY,
            },
        )
    assert response.status_code == 413
    assert error_of(response)["code"] == "RESOURCE_EXHAUSTED"
    assert read <= 64 // 16 + 2, f"read {read} of {chunks} chunks before refusing"
    assert blob_files(small) == before


def test_an_unexpected_failure_is_a_json_500_naming_the_trace_never_a_traceback(
    mesh_settings: LoopbackSettings,
) -> None:
    app = create_app(mesh_settings.of(GatewaySettings))

    @app.get("/v1/broken")
    async def broken() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app) as gateway:
        response = gateway.get("/v1/broken")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "INTERNAL"
    assert "trace id" in error["message"]
    assert "secret" not in response.text


def test_an_unknown_case_is_a_404(client: TestClient) -> None:
    response = client.get("/v1/cases/no-such-case")
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_an_unknown_case_status_is_a_422(client: TestClient) -> None:
    assert client.get("/v1/cases", params={"status": "pending"}).status_code == 422
    assert client.get("/v1/cases", params={"status": "open"}).status_code == 200


def test_an_action_on_an_unknown_case_is_a_404_and_a_malformed_one_a_422(
    client: TestClient,
) -> None:
    action = {"type": "no_violation", "reason": "fine"}
    assert client.post("/v1/cases/no-such-case/actions", json=action).status_code == 404
    malformed = client.post("/v1/cases/x/actions", json={**action, "type": "ban"})
    assert malformed.status_code == 422


# Similarity


def test_a_known_item_is_found_again_by_search(client: TestClient, gift_card_clip: Path) -> None:
    media = gift_card_clip.read_bytes()
    added = client.post(
        "/v1/similarity/items",
        data={"bank": "gateway-known", "item_id": "gift-card", "label": "known scam"},
        files={"file": ("clip.mp4", media, "video/mp4")},
    )
    assert added.status_code == 201, added.text
    assert added.json()["item_id"] == "gift-card"
    assert added.json()["hash_count"] > 0

    found = client.post(
        "/v1/similarity/search",
        data={"banks": "gateway-known", "k": "5"},
        files={"file": ("query.mp4", media, "video/mp4")},
    )
    assert found.status_code == 200, found.text
    best = found.json()["matches"][0]
    assert (best["item_id"], best["bank"], best["label"]) == (
        "gift-card",
        "gateway-known",
        "known scam",
    )
    assert best["distance"] == 0


def test_a_negative_bank_is_created_and_listed_as_negative(client: TestClient) -> None:
    created = client.post("/v1/similarity/banks", json={"name": "gateway-good", "negative": True})
    assert created.status_code == 201, created.text
    assert created.json()["bank"]["negative"] is True
    listed = {b["bank"]["name"]: b for b in client.get("/v1/similarity/banks").json()["banks"]}
    assert listed["gateway-good"]["bank"]["negative"] is True
    # JSON's own types: "yes" is not a boolean.
    refused = client.post("/v1/similarity/banks", json={"name": "x", "negative": "yes"})
    assert refused.status_code == 422


def test_a_bank_is_created_listed_and_an_item_removed(
    client: TestClient, gift_card_clip: Path, mesh_settings: LoopbackSettings
) -> None:
    created = client.post("/v1/similarity/banks", json={"name": "gateway-bank", "max_distance": 20})
    assert created.status_code == 201, created.text
    assert created.json()["bank"]["max_distance"] == 20
    assert client.post("/v1/similarity/banks", json={"name": "gateway-bank"}).status_code == 409
    # The schema names the limit (0 to 256), so the gateway refuses it as a 422.
    too_far = client.post("/v1/similarity/banks", json={"name": "x", "max_distance": 300})
    assert too_far.status_code == 422
    assert too_far.json()["detail"][0]["loc"] == ["body", "max_distance"]
    client.post(
        "/v1/similarity/items",
        data={"bank": "gateway-bank", "item_id": "clip"},
        files={"file": ("clip.mp4", gift_card_clip.read_bytes(), "video/mp4")},
    )

    listed = {b["bank"]["name"]: b for b in client.get("/v1/similarity/banks").json()["banks"]}
    assert listed["gateway-bank"]["item_count"] == 1

    removed = client.delete("/v1/similarity/banks/gateway-bank/items/clip")
    assert removed.status_code == 200, removed.text
    assert removed.json()["index_snapshot"].startswith("gateway-bank=")
    assert client.delete("/v1/similarity/banks/gateway-bank/items/clip").status_code == 404
    assert client.delete("/v1/similarity/banks/nope/items/clip").status_code == 404

    # Every change is in similarity's own keyed audit log, with the credential's subject.
    engine = open_engine(f"sqlite:///{mesh_settings.data_dir / 'similarity.db'}")
    log = list(audit.read_entries(engine, SIMILARITY_AUDIT))
    engine.dispose()
    assert audit.verify(log, AUDIT_KEY).ok
    assert [(e.actor, e.action) for e in log if e.subject == "banks/gateway-bank"] == [
        ("test-operator", "bank.created"),
        ("test-operator", "item.added"),
        ("test-operator", "item.removed"),
    ]


# The audit log's signed head


def test_an_auditor_gets_a_signed_checkpoint_the_cli_checks_the_log_against(
    client: TestClient, mesh_settings: LoopbackSettings, tmp_path: Path
) -> None:
    assert client.get("/v1/audit/checkpoint", headers=as_("rest-ana")).status_code == 403

    reply = client.get("/v1/audit/checkpoint")

    assert reply.status_code == 200, reply.text
    assert reply.json()["log"] == "decision"
    saved = tmp_path / "head.json"
    saved.write_text(reply.text)
    database = f"sqlite:///{mesh_settings.data_dir / 'decision.db'}"
    checked = run_modmesh(
        "audit",
        "verify",
        "--database-url",
        database,
        "--checkpoint",
        str(saved),
        settings=mesh_settings,
    )
    assert checked.returncode == 0, checked.stderr
    assert f"(entry {reply.json()['head_id']})" in checked.stdout


# Health and the document


def test_liveness_is_200(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200


def test_readiness_is_503_naming_the_service_that_is_not_serving(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "services": {
            "decision": "SERVING",
            "termmatch": "SERVING",
            "similarity": "SERVING",
            "transcription": "UNAVAILABLE",
        },
    }


def test_the_openapi_document_lists_every_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "modmesh gateway"
    assert set(document["paths"]) == {
        "/v1/media",
        "/v1/cases",
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/media",
        "/v1/cases/{case_id}/clips/{flag_sequence}",
        "/v1/cases/{case_id}/actions",
        "/v1/cases/retry",
        "/v1/rules",
        "/v1/rules/dry-run",
        "/v1/queue",
        "/v1/cases/{case_id}/claim",
        "/v1/cases/{case_id}/release",
        "/v1/reviewers/{reviewer_id}",
        "/v1/accounts/{account_id}",
        "/v1/cases/{case_id}/appeals",
        "/v1/appeals",
        "/v1/appeals/{appeal_id}/decision",
        "/v1/cases/{case_id}/statement-of-reasons",
        "/v1/audit/checkpoint",
        "/v1/lists",
        "/v1/lists/{list_id}",
        "/v1/lists/{list_id}/terms",
        "/v1/lists/{list_id}/terms/{term_id}",
        "/v1/lists/{list_id}/import",
        "/v1/lists/{list_id}/export",
        "/v1/lists/{list_id}/versions",
        "/v1/lists/{list_id}/changes",
        "/v1/match",
        "/v1/similarity/items",
        "/v1/similarity/search",
        "/v1/similarity/banks",
        "/v1/similarity/banks/{bank}/items/{item_id}",
        "/v1/streams",
        "/healthz",
        "/readyz",
    }
    case = document["components"]["schemas"]["modmesh.decision.v1.Case"]
    assert "CASE_STATUS_OPEN" in case["properties"]["status"]["enum"]


# Rules

URGENT_RULES = (
    "rules:\n"
    "  - id: all-urgent\n"
    "    when: {any: [{term_hits: {}}, {similarity: {}}]}\n"
    "    then: {queue: {priority: urgent}}\n"
)


def test_a_rule_set_is_published_read_back_and_dry_run(client: TestClient) -> None:
    published = client.put(
        "/v1/rules", json={"document": URGENT_RULES, "reason": "launch"}, headers=as_("admin-1")
    )
    assert published.status_code == 201, published.text
    version = published.json()["version"]

    assert client.get("/v1/rules").json()["source"] == URGENT_RULES
    assert client.get("/v1/rules").json()["actor"] == "admin-1"  # the caller, audited
    assert client.get("/v1/rules", params={"version": 1}).json()["actor"] == "modmesh"
    dry = client.post("/v1/rules/dry-run", json={"document": URGENT_RULES, "days": 1})
    assert dry.status_code == 200
    assert dry.json()["compared_with_version"] == version


def test_a_malformed_rule_set_is_a_400_naming_each_problem(client: TestClient) -> None:
    document = "rules: [{id: r, when: {all: [{language: {in: [fr]}}]}, then: {queue: {}}}]"

    response = client.put(
        "/v1/rules", json={"document": document, "reason": "try"}, headers=as_("admin-1")
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["field_violations"][0]["field"] == "rules[0].when"
    assert "language alone" in error["field_violations"][0]["description"]


# Review


def test_a_reviewer_claims_a_case_from_the_queue_and_decides_it(
    client: TestClient, mesh_settings: LoopbackSettings
) -> None:
    case_id = opened_case(mesh_settings.database_url_for("decision"), 101, "rest-account")
    for reviewer in ("rest-ana", "rest-ben"):
        registered = client.put(
            f"/v1/reviewers/{reviewer}",
            json={"languages": ["en"], "reason": "onboarding"},
            headers=as_("admin-1"),
        )
        assert registered.status_code == 200, registered.text

    queue = client.get("/v1/queue", headers=as_("rest-ana")).json()["cases"]
    claimed = client.post(f"/v1/cases/{case_id}/claim", json={}, headers=as_("rest-ana"))
    taken = client.post(f"/v1/cases/{case_id}/claim", json={}, headers=as_("rest-ben"))
    decided = client.post(
        f"/v1/cases/{case_id}/actions",
        json={"type": "remove_content", "reason": "scam policy 4.2"},
        headers=as_("rest-ana"),
    )
    again = client.post(
        f"/v1/cases/{case_id}/actions",
        json={"type": "no_violation", "reason": ""},
        headers=as_("rest-ana"),
    )

    assert case_id in [case["case_id"] for case in queue]
    assert claimed.status_code == 200
    assert claimed.json()["lease"]["holder"] == "rest-ana"
    assert taken.status_code == 409
    assert "held by reviewer rest-ana" in error_of(taken)["message"]
    assert decided.status_code == 200
    assert decided.json()["status"] == "CASE_STATUS_CLOSED"
    assert decided.json()["actions"][0]["actor"] == "rest-ana"
    assert again.status_code == 409
    unknown = client.get("/v1/queue")  # the operator is not a registered reviewer
    assert unknown.status_code == 404
    assert "not registered" in error_of(unknown)["message"]


def test_a_protected_account_moves_its_cases_to_the_protected_queue(
    client: TestClient, mesh_settings: LoopbackSettings
) -> None:
    case_id = opened_case(mesh_settings.database_url_for("decision"), 102, "rest-mayor")
    client.put(
        "/v1/reviewers/rest-cleo",
        json={"protected_queue": True, "reason": "cleared"},
        headers=as_("admin-1"),
    )

    protected = client.put(
        "/v1/accounts/rest-mayor",
        json={"protected": True, "reason": "public office"},
        headers=as_("admin-1"),
    )

    assert protected.status_code == 200
    assert protected.json()["protected"] is True
    queue = client.get("/v1/queue", params={"queue": "protected"}, headers=as_("rest-cleo")).json()[
        "cases"
    ]
    assert [case["case_id"] for case in queue] == [case_id]


# Appeals


def test_an_appeal_is_filed_decided_by_another_reviewer_and_explained(
    client: TestClient, mesh_settings: LoopbackSettings
) -> None:
    case_id = opened_case(mesh_settings.database_url_for("decision"), 103, "rest-appellant")
    for reviewer in ("rest-first", "rest-second"):
        client.put(f"/v1/reviewers/{reviewer}", json={"reason": "new"}, headers=as_("admin-1"))
    client.post(f"/v1/cases/{case_id}/claim", json={}, headers=as_("rest-first"))
    client.post(
        f"/v1/cases/{case_id}/actions",
        json={"type": "remove_content", "reason": "scam policy 4.2"},
        headers=as_("rest-first"),
    )
    other_case = opened_case(mesh_settings.database_url_for("decision"), 104, "someone-else")

    filed = client.post(
        f"/v1/cases/{case_id}/appeals",
        json={"statement": "it was satire"},
        headers=as_("rest-appellant"),
    )
    twice = client.post(
        f"/v1/cases/{case_id}/appeals", json={"statement": "again"}, headers=as_("rest-appellant")
    )
    appeal_id = filed.json()["appeal_id"]
    same_reviewer = client.post(
        f"/v1/appeals/{appeal_id}/decision",
        json={"uphold": True, "reason": "oops"},
        headers=as_("rest-first"),
    )
    upheld = client.post(
        f"/v1/appeals/{appeal_id}/decision",
        json={"uphold": True, "reason": "satire is allowed"},
        headers=as_("rest-second"),
    )
    sor = client.get(f"/v1/cases/{case_id}/statement-of-reasons", headers=as_("rest-appellant"))
    not_theirs = client.get(
        f"/v1/cases/{other_case}/statement-of-reasons", headers=as_("rest-appellant")
    )

    assert filed.status_code == 201, filed.text
    assert filed.json()["appellant"] == "rest-appellant"
    assert twice.status_code == 409
    assert same_reviewer.status_code == 409
    assert "different reviewer" in error_of(same_reviewer)["message"]
    assert upheld.status_code == 200
    assert upheld.json()["status"] == "APPEAL_STATUS_UPHELD"
    assert upheld.json()["reviewer"] == "rest-second"
    assert sor.status_code == 200
    assert sor.json()["redress"]["internal_complaint_handling"]["appeal"]["reversed"] is True
    assert sor.json()["ground"]["incompatible_content_ground"] == "scam policy 4.2"
    # Out of an appellant's scope is as absent as a missing case: ids reveal nothing.
    assert not_theirs.status_code == 404
    listed = client.get("/v1/appeals", params={"status": "upheld"}).json()["appeals"]
    assert appeal_id in [appeal["appeal_id"] for appeal in listed]
