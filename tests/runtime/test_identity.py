"""Service tokens as a process mints and checks them: each process signs with a key of its
own, short-lived, naming itself and (the gateway only) the end user it acts for, with
the cases they may reach."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from modmesh.runtime.identity import (
    SERVICES,
    TOKEN_SECONDS,
    Caller,
    EndUser,
    Identity,
    ServiceKeyError,
    ensure_service_keys,
    key_path,
    keys_dir,
    load_private_key,
    load_public_keys,
)
from modmesh.runtime.settings import MeshSettings
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope

PRIVATE = {service: Ed25519PrivateKey.generate() for service in SERVICES}
PUBLIC = {service: key.public_key() for service, key in PRIVATE.items()}


def process(service: str) -> Identity:
    """The identity of a process of `service` in a mesh holding every public key."""
    return Identity(service, PRIVATE[service], PUBLIC)


def test_a_token_names_the_calling_service_and_the_user_it_acts_for() -> None:
    alice = EndUser("alice", ("moderator",))
    decision = process("decision")
    assert decision.verify(process("gateway").mint(alice)) == Caller("gateway", alice)
    assert decision.verify(process("gateway").mint()) == Caller("gateway")
    assert process("termmatch").verify(decision.mint()) == Caller("decision")


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
    token = process("gateway").mint(user)
    assert process("decision").verify(token) == Caller("gateway", user)


def test_a_token_signed_with_another_key_is_refused() -> None:
    forger = Identity("gateway", Ed25519PrivateKey.generate(), PUBLIC)
    with pytest.raises(jwt.InvalidSignatureError):
        process("decision").verify(forger.mint(EndUser("mallory")))


def test_a_process_whose_key_leaked_cannot_pass_as_another() -> None:
    # termmatch's private key signing a token that says it is the gateway's.
    as_gateway = Identity("gateway", PRIVATE["termmatch"], PUBLIC)
    with pytest.raises(jwt.InvalidSignatureError):
        process("decision").verify(as_gateway.mint())


@pytest.mark.parametrize("service", sorted(set(SERVICES) - {"gateway"}))
def test_only_the_gateway_acts_for_an_end_user(service: str) -> None:
    with pytest.raises(jwt.InvalidTokenError, match=f"{service} may not act for an end user"):
        process("decision").verify(process(service).mint(EndUser("alice", ("admin",))))


def test_a_caller_without_a_public_key_is_refused() -> None:
    stranger = Identity("intruder", Ed25519PrivateKey.generate(), PUBLIC)
    with pytest.raises(jwt.InvalidTokenError, match="no public key for the caller 'intruder'"):
        process("decision").verify(stranger.mint())


def test_an_issuer_other_than_the_signing_key_is_refused() -> None:
    now = int(time.time())
    claims = {"iss": "gateway", "aud": "modmesh.service", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, PRIVATE["cli"], algorithm="EdDSA", headers={"kid": "cli"})
    with pytest.raises(jwt.InvalidIssuerError):
        process("decision").verify(token)


def test_an_expired_token_is_refused() -> None:
    stale = process("gateway").mint(now=time.time() - TOKEN_SECONDS - 120)
    with pytest.raises(jwt.ExpiredSignatureError):
        process("decision").verify(stale)


def test_a_token_valid_longer_than_the_maximum_lifetime_is_refused() -> None:
    now = int(time.time())
    forever = jwt.encode(
        {"iss": "gateway", "aud": "modmesh.service", "iat": now, "exp": now + 86_400},
        PRIVATE["gateway"],
        algorithm="EdDSA",
        headers={"kid": "gateway"},
    )
    with pytest.raises(jwt.InvalidTokenError, match="lifetime"):
        process("decision").verify(forever)


def test_an_hs256_token_is_no_service_token() -> None:
    # A gateway user's JWT (HS256, a shared secret) names a kid all the same: refused.
    now = int(time.time())
    user_jwt = jwt.encode(
        {"sub": "alice", "iss": "gateway", "aud": "modmesh.service", "iat": now, "exp": now + 60},
        "a-shared-secret-of-the-gateway-0123456789",
        algorithm="HS256",
        headers={"kid": "gateway"},
    )
    with pytest.raises(jwt.InvalidTokenError):
        process("decision").verify(user_jwt)


def test_every_key_pair_is_made_once_each_private_key_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    directory = ensure_service_keys(tmp_path / "keys")
    first = {service: (directory / f"{service}.key").read_bytes() for service in SERVICES}
    ensure_service_keys(directory)
    for service in SERVICES:
        private = directory / f"{service}.key"
        assert private.read_bytes() == first[service]
        assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    (directory / "decision.pub").unlink()  # as if a start had stopped between the files
    ensure_service_keys(directory)
    settings = MeshSettings(data_dir=tmp_path, service_public_keys_dir=str(directory))
    public = load_public_keys(keys_dir(settings))
    assert sorted(public) == sorted(SERVICES)
    minted = Identity("similarity", load_private_key(directory / "similarity.key"), public)
    assert Identity("decision", PRIVATE["decision"], public).verify(minted.mint()).service == (
        "similarity"
    )


def test_a_missing_key_stops_start_up_naming_the_file_and_where_keys_come_from(
    tmp_path: Path,
) -> None:
    settings = MeshSettings(data_dir=tmp_path)
    path = key_path(settings, "termmatch")
    assert path == tmp_path / "service-keys" / "termmatch.key"
    with pytest.raises(ServiceKeyError, match=f"no service key at {path}.*modmesh up"):
        load_private_key(path)
    with pytest.raises(ServiceKeyError, match="no public service keys"):
        load_public_keys(keys_dir(settings))
    path.parent.mkdir()
    path.write_text("not a key")
    with pytest.raises(ServiceKeyError, match=f"the service key at {path} cannot be read"):
        load_private_key(path)
