"""Live streams over the gateway's WebSocket, against real transcription, termmatch and
decision processes: espeak speech goes in as binary messages, flags and acks come out
as JSON, and every refusal is the REST error body followed by a close code that says
what kind of failure it was."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse, WebSocketTestSession
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from modmesh.gateway.app import create_app
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.media import chunked
from tests.support import LoopbackSettings, live_mesh, loopback_settings
from tests.transcription.support import LiveStream

SERVICE_KEY = "key-of-the-platform-0123456789abcdef"
MODERATOR_KEY = "key-of-a-moderator-0123456789abcdef"
JWT_SECRET = secrets.token_urlsafe(32)
PLATFORM = {"X-API-Key": SERVICE_KEY}
#: How far a flag's stream offset may stray past the speech of its phrase.
TOLERANCE_SECONDS = 0.5
PCM16 = {"encoding": "pcm_s16le", "sample_rate_hz": 16_000, "channels": 1}


def opening(account_id: str = "streamer-1", **fields: Any) -> dict[str, Any]:
    return {"account_id": account_id, "format": PCM16, **fields}


def path(stream_id: str) -> str:
    return f"/v1/streams/{stream_id}/live"


def keyed(data_dir: Path) -> LoopbackSettings:
    return loopback_settings(
        data_dir,
        api_keys=f"platform:service:{SERVICE_KEY},reviewer:moderator:{MODERATOR_KEY}",
        jwt_secret=JWT_SECRET,
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with (
        live_mesh(keyed(tmp_path_factory.mktemp("gateway-live"))) as mesh,
        TestClient(create_app(mesh.of(GatewaySettings))) as client,
    ):
        yield client


@dataclass
class Closed:
    """What the server said before it closed the socket, and how it closed it."""

    messages: list[dict[str, Any]]
    code: int
    reason: str

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [m[kind] for m in self.messages if kind in m]

    @property
    def error(self) -> dict[str, Any]:
        *_, last = self.messages
        assert set(last) == {"error"}, last
        error: dict[str, Any] = last["error"]
        return error


def until_closed(socket: WebSocketTestSession) -> Closed:
    messages = []
    while True:
        try:
            messages.append(socket.receive_json())
        except WebSocketDisconnect as closed:
            return Closed(messages, closed.code, closed.reason)


def send_audio(socket: WebSocketTestSession, pcm: bytes) -> None:
    # 100 ms per binary message, as a browser's audio worklet might send it.
    for chunk in chunked(pcm):
        socket.send_bytes(chunk)


def service_jwt(roles: list[str]) -> str:
    return jwt.encode({"sub": "browser-1", "roles": roles, "exp": time.time() + 60}, JWT_SECRET)


def test_speech_sent_over_the_socket_is_flagged_at_its_offsets_acked_and_ends_with_1000(
    client: TestClient, gift_card_talk: LiveStream
) -> None:
    with client.websocket_connect(path("ws-talk"), headers=PLATFORM) as socket:
        socket.send_json(opening(start_time="2025-03-01T20:00:00Z"))
        assert socket.receive_json() == {
            "opened": {"resumed": False, "moderated_seconds": 0.0, "last_flag_sequence": 0}
        }
        send_audio(socket, gift_card_talk.pcm)
        socket.send_json({"end": {}})
        closed = until_closed(socket)

    assert (closed.code, closed.reason) == (1000, "stream ended")
    [flag] = closed.of_kind("flag")
    [planted] = gift_card_talk.planted
    hit = flag["hit"]
    assert (hit["term"], hit["list_id"], hit["list_version"]) == (
        "free gift card",
        "sample-scams",
        1,
    )
    assert flag["sequence"] == 1
    # "Claim your free gift card today.": the term is said inside the planted phrase.
    start, end = hit["time_range"]["start_seconds"], hit["time_range"]["end_seconds"]
    assert planted.start_seconds < start < end <= planted.end_seconds + TOLERANCE_SECONDS
    context = " ".join(word["text"] for word in flag["context"])
    assert context[hit["span"]["start"] : hit["span"]["end"]].lower() == "free gift card"
    acks = [ack["moderated_seconds"] for ack in closed.of_kind("ack")]
    assert acks == sorted(acks)
    assert acks[-1] == pytest.approx(gift_card_talk.seconds, abs=0.01)
    # The audio around the hit, kept when the stream ended (less than 5 s after the hit).
    [clip] = closed.of_kind("clip")
    assert clip["flag_sequence"] == 1
    assert clip["media"]["mime_type"] == "audio/wav"
    assert clip["time_range"]["start_seconds"] == 0.0
    assert clip["time_range"]["end_seconds"] == pytest.approx(gift_card_talk.seconds)
    # Nothing but replies of the call: no error body before the clean close.
    assert all(len(m) == 1 and set(m) <= {"ack", "flag", "clip", "action"} for m in closed.messages)


def test_a_browser_offers_its_token_as_a_subprotocol_and_gets_modmesh_v1_back(
    client: TestClient,
) -> None:
    offered = ["modmesh.v1", f"bearer.{service_jwt(['service'])}"]

    with client.websocket_connect(path("ws-browser"), subprotocols=offered) as socket:
        assert socket.accepted_subprotocol == "modmesh.v1"
        socket.send_json(opening())
        assert "opened" in socket.receive_json()
        socket.send_json({"end": {}})
        closed = until_closed(socket)

    assert closed.code == 1000
    assert closed.of_kind("ack")[-1]["moderated_seconds"] == 0.0


def test_a_client_that_disconnects_leaves_the_stream_to_resume_without_a_flag_twice(
    client: TestClient, gift_card_talk: LiveStream
) -> None:
    with client.websocket_connect(path("ws-dropped"), headers=PLATFORM) as socket:
        socket.send_json(opening())
        socket.receive_json()
        send_audio(socket, gift_card_talk.pcm)
    # Leaving the block dropped the socket without an end message, mid-stream.

    with client.websocket_connect(path("ws-dropped"), headers=PLATFORM) as socket:
        socket.send_json(opening())  # resumes from 0: at most the last ack, always allowed
        opened = socket.receive_json()["opened"]
        send_audio(socket, gift_card_talk.pcm)
        socket.send_json({"end": {}})
        closed = until_closed(socket)

    assert opened["resumed"] is True
    assert closed.code == 1000
    # The term is said once: flagged once, by the dropped call or by the resumed one.
    sent_again = [flag["sequence"] for flag in closed.of_kind("flag")]
    assert opened["last_flag_sequence"] + len(sent_again) == 1
    assert sent_again in ([], [1])


def refusal(client: TestClient, stream_id: str, *messages: dict[str, Any] | str | bytes) -> Closed:
    """Sends the messages (dicts as JSON text) and returns what the server said."""
    with client.websocket_connect(path(stream_id), headers=PLATFORM) as socket:
        for message in messages:
            if isinstance(message, bytes):
                socket.send_bytes(message)
            elif isinstance(message, str):
                socket.send_text(message)
            else:
                socket.send_json(message)
        return until_closed(socket)


@pytest.mark.parametrize(
    ("messages", "field", "message"),
    [
        (["{not json"], "message", "the opening message is not valid: message: Invalid JSON"),
        ([b"\0\0" * 100], "open", "the first message must open the stream"),
        ([opening(colour="red")], "colour", "colour: Extra inputs are not permitted"),
        ([{"format": PCM16}], "account_id", "account_id: Field required"),
        ([opening(format={"encoding": "flac"})], "format.encoding", "format.encoding: Input"),
        ([opening(), {"stop": True}], "end", 'send audio as binary messages or {"end": {}}'),
        ([opening(), {"end": {}}, b"\0\0"], "message", "nothing may follow the end message"),
    ],
    ids=[
        "bad-json",
        "binary-before-open",
        "unknown-field",
        "no-account",
        "unknown-encoding",
        "unknown-message",
        "audio-after-end",
    ],
)
def test_a_malformed_message_is_an_invalid_argument_body_then_a_1008_close(
    client: TestClient, messages: list[Any], field: str, message: str
) -> None:
    stream_id = f"ws-malformed-{abs(hash(str(messages)))}"

    closed = refusal(client, stream_id, *messages)

    assert (closed.code, closed.reason) == (1008, "INVALID_ARGUMENT")
    assert closed.error["code"] == "INVALID_ARGUMENT"
    assert message in closed.error["message"]
    assert field in [v["field"] for v in closed.error["field_violations"]]


def test_a_refusal_by_decision_is_its_error_body_then_the_close_code_of_its_kind(
    client: TestClient,
) -> None:
    taken = refusal(client, "ws-taken", opening("owner-1"), {"end": {}})
    assert taken.code == 1000

    stolen = refusal(client, "ws-taken", opening("someone-else"))
    transcription_says_no = refusal(
        client, "ws-rate", opening(format={**PCM16, "sample_rate_hz": 44_100}), b"\0\0" * 100
    )

    assert (stolen.code, stolen.reason) == (1008, "ALREADY_EXISTS")
    assert set(stolen.error) == {"code", "message", "field_violations"}
    assert stolen.error["code"] == "ALREADY_EXISTS"
    assert "stream id 'ws-taken' belongs to another account" in stolen.error["message"]
    assert transcription_says_no.code == 1008
    assert "sample_rate_hz 44100 is not supported" in transcription_says_no.error["message"]


def test_a_decision_that_cannot_be_reached_is_unavailable_and_a_1013_try_again_later(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Nothing listens at the addresses of these settings.
    settings = keyed(tmp_path_factory.mktemp("nothing-behind")).of(GatewaySettings)
    with TestClient(create_app(settings)) as client:
        closed = refusal(client, "ws-nowhere", opening(), {"end": {}})

    assert (closed.code, closed.reason) == (1013, "UNAVAILABLE")
    assert closed.error["code"] == "UNAVAILABLE"
    assert "logged it under trace id" in closed.error["message"]


@pytest.mark.parametrize(
    ("credential", "status", "code"),
    [
        (lambda: {}, 401, "UNAUTHENTICATED"),
        (lambda: {"headers": {"X-API-Key": "not-a-key"}}, 401, "UNAUTHENTICATED"),
        (lambda: {"subprotocols": ["modmesh.v1", "bearer.not-a-token"]}, 401, "UNAUTHENTICATED"),
        (lambda: {"headers": {"X-API-Key": MODERATOR_KEY}}, 403, "PERMISSION_DENIED"),
        # Made when the test runs: the token expires in a minute.
        (lambda: {"subprotocols": ["modmesh.v1", f"bearer.{service_jwt(['auditor'])}"]}, 403,
         "PERMISSION_DENIED"),
    ],
    ids=["none", "unknown-key", "unknown-subprotocol-token", "moderator-key", "auditor-jwt"],
)  # fmt: skip
def test_a_handshake_without_the_service_role_is_refused_before_it_is_accepted(
    client: TestClient, credential: Callable[[], dict[str, Any]], status: int, code: str
) -> None:
    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        client.websocket_connect(path("ws-denied"), **credential()),
    ):
        pass

    assert denied.value.status_code == status
    assert denied.value.json()["error"]["code"] == code


def without_denial_responses(app: ASGIApp) -> ASGIApp:
    """The app as served by a server without the ASGI WebSocket denial extension."""

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "extensions": {}}, receive, send)

    return served


@pytest.mark.parametrize(
    ("headers", "reason"),
    [({}, "UNAUTHENTICATED"), ({"X-API-Key": MODERATOR_KEY}, "PERMISSION_DENIED")],
    ids=["401", "403"],
)
def test_a_server_that_cannot_deny_a_handshake_closes_it_with_1008_and_the_reason(
    tmp_path_factory: pytest.TempPathFactory, headers: dict[str, str], reason: str
) -> None:
    app = create_app(keyed(tmp_path_factory.mktemp("no-denials")).of(GatewaySettings))

    with (
        TestClient(without_denial_responses(app)) as client,
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(path("ws-closed"), headers=headers),
    ):
        pass

    assert not isinstance(closed.value, WebSocketDenialResponse)
    assert (closed.value.code, closed.value.reason) == (1008, reason)
