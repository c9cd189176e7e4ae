"""Service tokens as a process mints and checks them: signed with the mesh key, short-lived,
naming the calling service and the end user it acts for, with the cases they may reach."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import jwt
import pytest

from modmesh.runtime.identity import (
    MIN_KEY_BYTES,
    TOKEN_SECONDS,
    Caller,
    EndUser,
    Identity,
    ServiceKeyError,
    ensure_service_key,
    load_service_key,
)
from modmesh.runtime.settings import MeshSettings
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope

KEY = b"k" * MIN_KEY_BYTES


def test_a_token_names_the_calling_service_and_the_user_it_acts_for() -> None:
    gateway = Identity("gateway", KEY)
    decision = Identity("decision", KEY)
    alice = EndUser("alice", ("moderator",))
    assert decision.verify(gateway.mint(alice)) == Caller("gateway", alice)
    assert decision.verify(gateway.mint()) == Caller("gateway")


@pytest.mark.parametrize(
    "scope",
    [
        CaseScope(tenant="platform-a", tenants=frozenset({"platform-a", "partner"})),
        CaseScope(tenant="appellant-7", account="acct-7"),
        UNRESTRICTED,
    ],
    ids=["service-with-grant", "appellant", "moderator"],
)
def test_a_users_case_scope_rides_in_the_signed_token(scope: CaseScope) -> None:
    user = EndUser("someone", ("service",), scope)
    token = Identity("gateway", KEY).mint(user)
    assert Identity("decision", KEY).verify(token) == Caller("gateway", user)


def test_a_token_signed_with_another_key_is_refused() -> None:
    forger = Identity("gateway", b"x" * MIN_KEY_BYTES)
    with pytest.raises(jwt.InvalidSignatureError):
        Identity("decision", KEY).verify(forger.mint(EndUser("mallory")))


def test_an_expired_token_is_refused() -> None:
    stale = Identity("gateway", KEY).mint(now=time.time() - TOKEN_SECONDS - 120)
    with pytest.raises(jwt.ExpiredSignatureError):
        Identity("decision", KEY).verify(stale)


def test_a_token_valid_longer_than_the_maximum_lifetime_is_refused() -> None:
    now = int(time.time())
    forever = jwt.encode(
        {"iss": "gateway", "aud": "modmesh.service", "iat": now, "exp": now + 86_400},
        KEY,
        algorithm="HS256",
    )
    with pytest.raises(jwt.InvalidTokenError, match="lifetime"):
        Identity("decision", KEY).verify(forever)


def test_a_user_token_of_the_gateway_is_no_service_token() -> None:
    # Same secret reused for users' JWTs: still refused, it lacks the service audience.
    now = int(time.time())
    user_jwt = jwt.encode({"sub": "alice", "iat": now, "exp": now + 60}, KEY, algorithm="HS256")
    with pytest.raises(jwt.InvalidTokenError):
        Identity("decision", KEY).verify(user_jwt)


def test_the_key_is_created_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = MeshSettings(data_dir=tmp_path)
    path = ensure_service_key(settings)
    first = load_service_key(settings)
    ensure_service_key(settings)
    assert load_service_key(settings) == first
    assert len(first) >= MIN_KEY_BYTES
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_missing_or_short_key_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    settings = MeshSettings(data_dir=tmp_path, service_key_file=str(tmp_path / "key"))
    with pytest.raises(ServiceKeyError, match=f"no service key at {tmp_path / 'key'}"):
        load_service_key(settings)
    (tmp_path / "key").write_text("short")
    with pytest.raises(ServiceKeyError, match=f"5 bytes; at least {MIN_KEY_BYTES}"):
        load_service_key(settings)
