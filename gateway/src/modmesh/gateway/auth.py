"""Who may call the gateway: API keys or JWT bearer tokens, and a role on every route.

Each route declares the roles it admits with `require(Role...)` (or `PUBLIC` for the
health probes); a test walks every route and fails on one that declares neither, so no
route can be added without a decision about who may call it. A missing or invalid
credential is a 401, a valid one without the role a 403. Keys and tokens are compared in
constant time and never logged; only the subject is.

Browsers cannot set headers on a WebSocket, so a WebSocket handshake may also carry its
credential as a subprotocol, as Kubernetes does: ``Sec-WebSocket-Protocol: modmesh.v1,
bearer.<token>``.

Tenants: a caller's credential also bounds which cases it reaches (`case_scope`): a
`service` reads only the cases it submitted (and those of tenants it is granted in
MODMESH_TENANT_GRANTS), an `appellant` only its own account's, whatever other roles it
holds. The scope rides on every decision call (`Scope`), and decision enforces it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
import structlog
from fastapi import Depends
from starlette.requests import HTTPConnection

from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.identity import EndUser, act_for
from modmesh.runtime.roles import Role
from modmesh.runtime.settings import MIN_SECRET_BYTES
from modmesh.runtime.tenancy import CaseScope

log = structlog.get_logger()

#: The attribute a route dependency carries to say which roles it admits.
ROLES_ATTRIBUTE = "modmesh_roles"
#: The WebSocket subprotocol that carries a credential: `bearer.<token>`.
BEARER_SUBPROTOCOL_PREFIX = "bearer."
#: How to make a secret that long, for the messages that refuse a shorter one.
_MAKE_ONE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
#: A tenant grant that reaches every tenant's cases.
EVERY_TENANT = "*"
#: Roles whose work is reading every tenant's cases.
READS_EVERY_CASE = frozenset({Role.MODERATOR, Role.AUDITOR})


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    #: Tenants whose cases a `service` credential reads besides its own.
    grants: frozenset[str] = frozenset()


def case_scope(principal: Principal) -> CaseScope:
    """The cases the principal reaches. An appellant is pinned to its own account
    whatever else it holds (it must never read others' cases by holding a second role);
    a service to the cases it submitted and its grants, unless it also holds a role
    whose work is reading every case."""
    roles = principal.roles
    account = principal.subject if Role.APPELLANT in roles else None
    tenants = None
    if (
        Role.SERVICE in roles
        and not roles & READS_EVERY_CASE
        and EVERY_TENANT not in principal.grants
    ):
        tenants = frozenset({principal.subject}) | principal.grants
    tenant = principal.subject if Role.SERVICE in roles else ""
    return CaseScope(tenant, tenants, account)


class AuthError(Exception):
    """Refused: `status` 401 (who are you?) or 403 (not allowed)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CredentialsError(ValueError):
    """MODMESH_API_KEYS or MODMESH_JWT_SECRET is malformed or weak; start-up stops naming
    the setting and entry (never the key)."""


def _roles(text: str, where: str) -> frozenset[Role]:
    try:
        return frozenset(Role(name) for name in text.split("+") if name)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise CredentialsError(f"{where}: roles must be among {known}") from None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_grants(text: str) -> dict[str, frozenset[str]]:
    """MODMESH_TENANT_GRANTS: "subject=tenant+tenant" entries, or "subject=*"."""
    grants: dict[str, frozenset[str]] = {}
    for index, entry in enumerate(e for e in text.split(",") if e.strip()):
        subject, equals, tenants = entry.strip().partition("=")
        names = frozenset(t for t in tenants.split("+") if t)
        if not equals or not subject or not names:
            raise CredentialsError(
                f"MODMESH_TENANT_GRANTS entry {index + 1}: must be subject=tenant+tenant "
                f"or subject={EVERY_TENANT}"
            )
        grants[subject] = grants.get(subject, frozenset()) | names
    return grants


class Authenticator:
    """Checks credentials against the configured API keys and JWT secret."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._grants = parse_grants(settings.tenant_grants)
        self._keys: dict[bytes, Principal] = {}
        for index, entry in enumerate(e for e in settings.api_keys.split(",") if e.strip()):
            where = f"MODMESH_API_KEYS entry {index + 1}"
            parts = entry.strip().split(":", 2)
            if len(parts) != 3 or not all(parts):
                raise CredentialsError(f"{where}: must be subject:role+role:key")
            subject, roles, key = parts
            if len(key.encode()) < MIN_SECRET_BYTES:
                raise CredentialsError(
                    f"{where}: the key is shorter than {MIN_SECRET_BYTES} bytes; {_MAKE_ONE}"
                )
            grants = self._grants.get(subject, frozenset())
            self._keys[_digest(key)] = Principal(subject, _roles(roles, where), grants)
        if settings.jwt_secret and len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise CredentialsError(
                f"MODMESH_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; {_MAKE_ONE}"
            )
        self._jwt_secret = settings.jwt_secret
        self._jwt_max_lifetime = settings.jwt_max_lifetime_seconds

    def authenticate(
        self, headers: Mapping[str, str], subprotocols: Sequence[str] = ()
    ) -> Principal:
        """The caller named by the headers or, on a WebSocket, by a `bearer.` subprotocol."""
        token = headers.get("x-api-key", "")
        authorization = headers.get("authorization", "")
        if not token and authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise AuthError(401, "use 'Authorization: Bearer <token>' or 'X-API-Key'")
        if not token:
            token = next(
                (
                    offered.removeprefix(BEARER_SUBPROTOCOL_PREFIX)
                    for offered in subprotocols
                    if offered.startswith(BEARER_SUBPROTOCOL_PREFIX)
                ),
                "",
            )
        if not token:
            raise AuthError(401, "a credential is required: an API key or a bearer token")
        if token.count(".") == 2 and self._jwt_secret:
            return self._from_jwt(token)
        found = self._principal_of_digest(_digest(token))
        if found is None:
            raise AuthError(401, "the credential is not valid")
        return found

    def _from_jwt(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._jwt_secret,
                algorithms=["HS256"],
                options={"require": ["sub", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError(401, "the bearer token has expired") from None
        except jwt.InvalidTokenError:
            raise AuthError(401, "the bearer token is not valid") from None
        self._check_lifetime(claims)
        return self.principal_of_claims(claims)

    def principal_of_claims(self, claims: Mapping[str, Any]) -> Principal:
        """The caller a verified token's `sub` and `roles` claims name."""
        roles = claims.get("roles", [])
        if not isinstance(roles, list):
            raise AuthError(401, "the bearer token's roles claim must be a list")
        try:
            granted = frozenset(Role(role) for role in roles)
        except ValueError:
            raise AuthError(401, "the bearer token names an unknown role") from None
        subject = str(claims["sub"])
        return Principal(subject, granted, self._grants.get(subject, frozenset()))

    def key_digest(self, credential: str) -> str | None:
        """The digest (hex) by which a configured API key is known, or None for a
        credential that is not one: a session keeps the digest, never the key."""
        digest = _digest(credential)
        return digest.hex() if self._principal_of_digest(digest) else None

    def principal_of_key(self, digest_hex: str) -> Principal | None:
        """The caller an API key's digest names while the key is configured."""
        try:
            digest = bytes.fromhex(digest_hex)
        except ValueError:
            return None
        return self._principal_of_digest(digest)

    def _principal_of_digest(self, digest: bytes) -> Principal | None:
        # Every key is compared, in constant time, so timing tells nothing.
        found = None
        for known, principal in self._keys.items():
            if hmac.compare_digest(known, digest):
                found = principal
        return found

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        """Refuses a token valid for longer than the maximum lifetime: from now, and from
        its issue time when it has one."""
        expires = float(claims["exp"])
        issued = claims.get("iat")
        from_now = expires - time.time()
        longest = max(from_now, expires - float(issued)) if issued is not None else from_now
        if longest > self._jwt_max_lifetime:
            raise AuthError(
                401,
                f"the bearer token is valid for longer than the limit of "
                f"{self._jwt_max_lifetime} seconds (MODMESH_JWT_MAX_LIFETIME_SECONDS); "
                "ask for one with an earlier exp",
            )


def _authenticator(connection: HTTPConnection) -> Authenticator:
    authenticator: Authenticator = connection.app.state.authenticator
    return authenticator


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A route dependency admitting callers with any of `roles`; it yields the caller.
    It guards HTTP and WebSocket routes alike."""
    admitted = frozenset(roles)

    async def dependency(connection: HTTPConnection) -> Principal:
        subprotocols = connection.scope.get("subprotocols", ())
        principal = _authenticator(connection).authenticate(connection.headers, subprotocols)
        return admit(principal, admitted, connection.url.path)

    setattr(dependency, ROLES_ATTRIBUTE, admitted)
    return dependency


def admit(principal: Principal, admitted: frozenset[Role], path: str) -> Principal:
    """The caller, if it holds one of the admitted roles (else a 403), now acting for
    this request: the API's routes and the console's pages admit callers alike."""
    if not principal.roles & admitted:
        log.info("request forbidden", subject=principal.subject, path=path, needs=sorted(admitted))
        allowed = ", ".join(sorted(role.value for role in admitted))
        raise AuthError(403, f"{principal.subject} may not do this; it needs: {allowed}")
    # The services this request calls learn who it is for, and which cases they may
    # reach, from the gateway's signed token, never from a request field.
    roles = tuple(sorted(r.value for r in principal.roles))
    act_for(EndUser(principal.subject, roles, case_scope(principal)))
    return principal


async def _public() -> None:
    """Admits anyone: only for probes that reveal nothing (health)."""


setattr(_public, ROLES_ATTRIBUTE, frozenset())
#: The declaration of a route anyone may call.
PUBLIC = Depends(_public)


# Route parameters that receive the authenticated caller, by the roles admitted.
Moderator = Annotated[Principal, Depends(require(Role.MODERATOR))]
PolicyAdmin = Annotated[Principal, Depends(require(Role.POLICY_ADMIN))]
Appellant = Annotated[Principal, Depends(require(Role.APPELLANT))]
StatementReader = Annotated[
    Principal, Depends(require(Role.MODERATOR, Role.AUDITOR, Role.APPELLANT))
]


def roles(*admitted: Role) -> list[Any]:
    """`dependencies=` of a route admitting these roles that does not need the caller."""
    return [Depends(require(*admitted))]
