"""Console sessions: a credential the API takes opens one, the cookie never holds the
credential, and a session ends when its key is revoked, its token expires or its cookie
is tampered with."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from pathlib import Path

import jwt
import pytest

from modmesh.gateway.auth import Authenticator, AuthError
from modmesh.gateway.console.session import Session, Sessions, SignInRequired
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.roles import Role
from tests.support import loopback_settings

KEY = "ada-key-" + "k" * 32
JWT_SECRET = secrets.token_urlsafe(32)
SECRET = secrets.token_bytes(32)


def authenticator(tmp_path: Path, keys: str = f"ada:moderator:{KEY}") -> Authenticator:
    settings = loopback_settings(tmp_path).of(GatewaySettings)
    return Authenticator(replace(settings, api_keys=keys, jwt_secret=JWT_SECRET))


def sessions(tmp_path: Path, keys: str = f"ada:moderator:{KEY}") -> Sessions:
    return Sessions(SECRET, authenticator(tmp_path, keys), lifetime=3600)


def token(lifetime: float, roles: list[str]) -> str:
    claims = {"sub": "bo", "roles": roles, "exp": int(time.time() + lifetime)}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def test_an_api_key_opens_a_session_whose_cookie_holds_only_its_digest(tmp_path: Path) -> None:
    session, cookie = sessions(tmp_path).sign_in(KEY)

    assert session.principal.subject == "ada"
    assert session.principal.roles == {Role.MODERATOR}
    assert KEY not in cookie
    assert KEY not in str(jwt.decode(cookie, options={"verify_signature": False}))
    assert sessions(tmp_path).read(cookie).principal == session.principal


def test_a_revoked_key_ends_its_sessions(tmp_path: Path) -> None:
    _, cookie = sessions(tmp_path).sign_in(KEY)
    other = "bo-key-" + "b" * 32

    with pytest.raises(SignInRequired):
        sessions(tmp_path, keys=f"bo:moderator:{other}").read(cookie)


def test_a_token_opens_a_session_that_ends_with_the_token(tmp_path: Path) -> None:
    session, cookie = sessions(tmp_path).sign_in(token(60, ["policy-admin"]))

    assert session.principal.subject == "bo"
    assert session.principal.roles == {Role.POLICY_ADMIN}
    assert session.expires_at <= time.time() + 61
    assert sessions(tmp_path).read(cookie).principal == session.principal


def test_what_the_api_refuses_opens_no_session(tmp_path: Path) -> None:
    for refused in ("not-a-key", token(-10, ["moderator"])):
        with pytest.raises(AuthError) as error:
            sessions(tmp_path).sign_in(refused)
        assert error.value.status == 401


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "garbage",
        # Signed with another secret: a cookie forged elsewhere.
        jwt.encode({"aud": "modmesh.console", "iat": 0, "exp": 2**40, "csrf": "x",
                    "sub": "eve", "roles": ["policy-admin"]}, "another secret " * 3),
    ],
)  # fmt: skip
def test_a_missing_or_forged_cookie_asks_to_sign_in(tmp_path: Path, cookie: str) -> None:
    with pytest.raises(SignInRequired):
        sessions(tmp_path).read(cookie)


def test_a_form_must_carry_its_sessions_token(tmp_path: Path) -> None:
    session: Session = sessions(tmp_path).sign_in(KEY)[0]

    session.check_csrf(session.csrf)
    with pytest.raises(AuthError) as error:
        session.check_csrf(sessions(tmp_path).sign_in(KEY)[0].csrf)
    assert error.value.status == 403
