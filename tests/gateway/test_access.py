"""Access control: every route declares who may call it, every role is refused what it
must not do (403), a missing or invalid credential is a 401, and no secret is logged.
WebSocket routes are held to the same: their handshake is refused with the 401 or 403.

The app runs without the services behind it: the gate answers before any service is
asked, and a caller who passes the gate gets whatever the (absent) service would say.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route
from starlette.testclient import WebSocketDenialResponse

from modmesh.gateway.app import create_app
from modmesh.gateway.auth import ROLES_ATTRIBUTE, CredentialsError
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.roles import Role
from tests.support import loopback_settings

KEYS = {role: f"key-of-{role.value}-{'x' * 24}" for role in Role}
JWT_SECRET = secrets.token_urlsafe(32)
#: FastAPI's own documentation routes, which exist only with MODMESH_PUBLIC_DOCS.
DOCUMENTATION = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def keyed_settings(data_dir: Path) -> GatewaySettings:
    api_keys = ",".join(f"{role.value}-user:{role.value}:{key}" for role, key in KEYS.items())
    return replace(
        loopback_settings(data_dir).of(GatewaySettings), api_keys=api_keys, jwt_secret=JWT_SECRET
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(keyed_settings(tmp_path_factory.mktemp("access")))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def every_route(routes: Sequence[Any], inherited: Sequence[Any] = ()) -> Iterator[Any]:
    """Every route of the app, with included routers opened; an API route (HTTP or
    WebSocket) comes with the dependencies its routers add (as `inherited_dependencies`)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # an included router
            context = route.include_context.dependencies
            yield from every_route(original.routes, [*inherited, *context])
        else:
            if isinstance(route, APIRoute | APIWebSocketRoute):
                route.inherited_dependencies = list(inherited)  # type: ignore[union-attr]
            yield route


def _roles_of(call: Any) -> frozenset[Role] | None:
    roles: frozenset[Role] | None = getattr(call, ROLES_ATTRIBUTE, None)
    return roles


def declared_roles(route: APIRoute | APIWebSocketRoute) -> frozenset[Role] | None:
    """The roles a route admits (empty: public), or None when it declares nothing."""
    for depends in route.inherited_dependencies:  # type: ignore[union-attr]
        if _roles_of(depends.dependency) is not None:
            return _roles_of(depends.dependency)
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if _roles_of(dependant.call) is not None:
            return _roles_of(dependant.call)
        pending.extend(dependant.dependencies)
    return None


def api_routes(client: TestClient) -> list[tuple[str, str, frozenset[Role]]]:
    """(method, path with made-up ids, admitted roles) of every guarded route."""
    found = []
    for route in every_route(client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute):
            continue
        roles = declared_roles(route)
        assert roles is not None
        if not roles:
            continue
        path = re.sub(r"\{[^}]+\}", "some-id", route.path)
        found += [(method, path, roles) for method in route.methods or ()]
    return found


def websocket_routes(client: TestClient) -> list[tuple[str, frozenset[Role]]]:
    """(path with made-up ids, admitted roles) of every WebSocket route."""
    found = []
    for route in every_route(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIWebSocketRoute):
            roles = declared_roles(route)
            assert roles, route.path
            found.append((re.sub(r"\{[^}]+\}", "some-id", route.path), roles))
    return found


def test_every_route_declares_who_may_call_it(client: TestClient) -> None:
    undeclared = []
    public = set()
    for route in every_route(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIRoute | APIWebSocketRoute):
            roles = declared_roles(route)
            if roles is None:
                undeclared.append(route.path)
            elif not roles:
                public.add(route.path)
        elif isinstance(route, Mount):
            # The console is an application of its own; its static files (style and
            # script, the same for everyone) are the one thing it serves to anyone.
            assert route.path == "/console", route.path
            for page in every_route(route.routes):
                if isinstance(page, Mount):
                    assert page.path == "/static", page.path
                    continue
                roles = declared_roles(page)
                if roles is None:
                    undeclared.append(route.path + page.path)
                elif not roles:
                    public.add(route.path + page.path)
        else:
            assert isinstance(route, Route), route.path
            assert route.path in DOCUMENTATION, route.path
    assert undeclared == [], "routes without require(...) or PUBLIC"
    assert public == {"/healthz", "/readyz", "/console/sign-in"}
    assert websocket_routes(client) != []


def handshake_refusal(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        client.websocket_connect(path, headers=headers),
    ):
        pass
    return denied.value


def test_without_a_credential_every_websocket_handshake_is_a_401(client: TestClient) -> None:
    for path, _ in websocket_routes(client):
        response = handshake_refusal(client, path, {})
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_role_is_refused_every_websocket_it_is_not_admitted_to_and_passes_the_others(
    client: TestClient, role: Role
) -> None:
    for path, admitted in websocket_routes(client):
        headers = {"X-API-Key": KEYS[role]}
        if role in admitted:
            with client.websocket_connect(path, headers=headers):
                pass  # accepted: the gate let it through
            continue
        response = handshake_refusal(client, path, headers)
        assert response.status_code == 403, (role, path)
        assert response.json()["error"]["code"] == "PERMISSION_DENIED"


def test_without_a_credential_every_guarded_route_is_a_401(client: TestClient) -> None:
    for method, path, _ in api_routes(client):
        response = client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "not-a-key"},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": f"Basic {KEYS[Role.MODERATOR]}"},
        {
            "Authorization": "Bearer "
            + jwt.encode(
                {"sub": "x", "roles": ["moderator"], "exp": time.time() + 60}, "wrong-key-" * 4
            )
        },
        {
            "Authorization": "Bearer "
            + jwt.encode({"sub": "x", "roles": ["moderator"], "exp": time.time() - 60}, JWT_SECRET)
        },
        {"Authorization": "Bearer " + jwt.encode({"sub": "x", "roles": ["moderator"]}, JWT_SECRET)},
        {
            "Authorization": "Bearer "
            + jwt.encode({"sub": "x", "roles": ["root"], "exp": time.time() + 60}, JWT_SECRET)
        },
        {
            "Authorization": "Bearer "
            + jwt.encode(
                {"sub": "x", "roles": ["moderator"], "exp": time.time() + 3 * 3600}, JWT_SECRET
            )
        },
        {
            "Authorization": "Bearer "
            + jwt.encode(
                {
                    "sub": "x",
                    "roles": ["moderator"],
                    "iat": int(time.time() - 3 * 3600),
                    "exp": time.time() + 60,
                },
                JWT_SECRET,
            )
        },
    ],
    ids=[
        "unknown-key",
        "unknown-bearer-key",
        "basic-scheme",
        "jwt-wrong-signature",
        "jwt-expired",
        "jwt-without-exp",
        "jwt-unknown-role",
        "jwt-exp-beyond-the-maximum-lifetime",
        "jwt-issued-for-longer-than-the-maximum-lifetime",
    ],
)
def test_an_invalid_credential_is_a_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/v1/cases", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_role_is_refused_every_route_it_is_not_admitted_to(
    client: TestClient, role: Role
) -> None:
    refused = 0
    for method, path, admitted in api_routes(client):
        if role in admitted:
            continue
        response = client.request(method, path, headers={"X-API-Key": KEYS[role]})
        assert response.status_code == 403, (role, method, path, response.text)
        assert response.json()["error"]["code"] == "PERMISSION_DENIED"
        refused += 1
    assert refused > 0


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_role_passes_the_gate_where_it_is_admitted(client: TestClient, role: Role) -> None:
    for method, path, admitted in api_routes(client):
        if role not in admitted:
            continue
        response = client.request(method, path, headers={"X-API-Key": KEYS[role]})
        assert response.status_code not in (401, 403), (role, method, path, response.text)


def test_the_roles_of_each_area_are_as_specified(client: TestClient) -> None:
    table = {(method, path): admitted for method, path, admitted in api_routes(client)}
    M, P, A, AP, S = Role.MODERATOR, Role.POLICY_ADMIN, Role.AUDITOR, Role.APPELLANT, Role.SERVICE

    assert table[("POST", "/v1/media")] == {S}
    assert table[("POST", "/v1/cases/some-id/actions")] == {M}
    assert table[("PUT", "/v1/rules")] == {P}
    assert table[("GET", "/v1/rules")] == {P, A}
    assert table[("POST", "/v1/cases/some-id/appeals")] == {AP}
    assert table[("POST", "/v1/appeals/some-id/decision")] == {M}
    assert table[("PUT", "/v1/accounts/some-id")] == {P}
    assert table[("GET", "/v1/cases/some-id/statement-of-reasons")] == {M, A, AP}
    # A list is browsed by whoever may read it, and edited by a policy admin only.
    for path in ("/v1/lists/some-id/terms", "/v1/lists/some-id/versions"):
        assert table[("GET", path)] == table[("GET", "/v1/lists/some-id")] == {P, M, A}
    assert table[("GET", "/v1/lists/some-id/changes")] == {P, M, A}
    assert table[("POST", "/v1/lists/some-id/terms")] == {P}
    assert table[("GET", "/v1/streams")] == {M, A}
    assert dict(websocket_routes(client)) == {"/v1/streams/some-id/live": {S}}
    # The auditor reads and never writes.
    assert all(method == "GET" for (method, _), admitted in table.items() if A in admitted)


def test_a_jwt_with_the_role_passes_the_gate(client: TestClient) -> None:
    token = jwt.encode(
        {"sub": "reviewer-7", "roles": ["auditor"], "exp": time.time() + 60}, JWT_SECRET
    )

    response = client.get("/v1/cases", headers={"Authorization": f"Bearer {token}"})
    forbidden = client.put(
        "/v1/rules",
        headers={"Authorization": f"Bearer {token}"},
        json={"document": "x", "reason": "y"},
    )

    assert response.status_code not in (401, 403)
    assert forbidden.status_code == 403
    assert "reviewer-7 may not do this" in forbidden.json()["error"]["message"]


def test_health_probes_need_no_credential(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "api_keys",
    [
        "no-colons",
        "user:moderator:",
        f"user:root:secret-key-123{'x' * 32}",
        "user:moderator:secret-key-123",
    ],
    ids=["no colons", "no key", "unknown role", "key shorter than 32 bytes"],
)
def test_malformed_or_weak_keys_stop_the_gateway_naming_the_entry_not_the_key(
    tmp_path: Path, api_keys: str
) -> None:
    settings = replace(
        loopback_settings(tmp_path).of(GatewaySettings),
        api_keys=f"ok:auditor:{KEYS[Role.AUDITOR]},{api_keys}",
    )

    with pytest.raises(CredentialsError, match="MODMESH_API_KEYS entry 2") as caught:
        create_app(settings)

    assert "secret-key-123" not in str(caught.value)


def test_a_jwt_secret_shorter_than_32_bytes_stops_the_gateway_naming_the_setting(
    tmp_path: Path,
) -> None:
    settings = replace(keyed_settings(tmp_path), jwt_secret="s3cret-" * 4)

    with pytest.raises(CredentialsError, match="MODMESH_JWT_SECRET is shorter than 32 bytes"):
        create_app(settings)


def test_a_jwt_within_the_maximum_lifetime_is_accepted(client: TestClient) -> None:
    token = jwt.encode(
        {"sub": "x", "roles": ["auditor"], "iat": int(time.time()), "exp": time.time() + 3000},
        JWT_SECRET,
    )

    response = client.get("/v1/cases", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code not in (401, 403)


def test_a_jwt_beyond_the_maximum_lifetime_is_refused_naming_the_setting(
    client: TestClient,
) -> None:
    token = jwt.encode({"sub": "x", "roles": ["auditor"], "exp": time.time() + 7200}, JWT_SECRET)

    response = client.get("/v1/cases", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert "longer than the limit of 3600 seconds (MODMESH_JWT_MAX_LIFETIME_SECONDS)" in message


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_api_documentation_needs_a_credential_of_any_role(
    client: TestClient, path: str
) -> None:
    assert client.get(path).status_code == 401
    for role in Role:
        assert client.get(path, headers={"X-API-Key": KEYS[role]}).status_code == 200, role


def test_public_docs_serve_the_documentation_to_anyone(tmp_path: Path) -> None:
    app = create_app(replace(keyed_settings(tmp_path), public_docs=True))
    with TestClient(app) as public:
        assert public.get("/openapi.json").json()["info"]["title"] == "modmesh gateway"
        assert public.get("/docs").status_code == 200
