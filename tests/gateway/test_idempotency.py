"""POST /v1/media with an Idempotency-Key, through the gateway to a real decision
process: a retry gets the first answer, another upload under the key is a 409 naming it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from tests.support import ServiceProcess, loopback_settings

#: 32 bytes or more: the gateway refuses a shorter key at start-up.
KEY = "key-test-operator-0123456789abcdef"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = loopback_settings(
        tmp_path_factory.mktemp("idempotency") / "data",
        api_keys=f"test-operator:service:{KEY}",
    )
    with (
        ServiceProcess("decision", settings),
        TestClient(create_app(settings.of(GatewaySettings)), headers={"X-API-Key": KEY}) as client,
    ):
        yield client


def upload(client: TestClient, clip: Path, key: str, content_id: str = "post-1") -> httpx.Response:
    with clip.open("rb") as media:
        response: httpx.Response = client.post(
            "/v1/media",
            data={"account_id": "acct-1", "content_id": content_id},
            files={"file": ("clip.mp4", media, "video/mp4")},
            headers={"Idempotency-Key": key},
        )
    return response


def test_a_retry_with_the_same_key_gets_the_first_answer(
    client: TestClient, gift_card_clip: Path
) -> None:
    first = upload(client, gift_card_clip, "upload-1")
    again = upload(client, gift_card_clip, "upload-1")

    assert first.status_code == again.status_code == 202, first.text
    assert again.json()["case_id"] == first.json()["case_id"]
    assert again.json()["duplicate"] is first.json()["duplicate"] is False


def test_the_same_key_with_another_upload_is_a_409_naming_the_key(
    client: TestClient, gift_card_clip: Path
) -> None:
    assert upload(client, gift_card_clip, "upload-2").status_code == 202

    refused = upload(client, gift_card_clip, "upload-2", content_id="post-2")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "ALREADY_EXISTS"
    assert "idempotency key 'upload-2'" in error["message"]
