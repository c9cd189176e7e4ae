"""Service identity: every gRPC call inside the mesh carries a signed, short-lived token.

Each kind of process (SERVICES) has an Ed25519 key pair of its own. The calling process
mints a token signed with its private key (a Secret of its own in Kubernetes), naming
itself (`iss`, and `kid` for the key) and, when it is the gateway acting for a person,
that person (`sub`, `roles`, and the cases they may reach: `tenant`, `read_tenants`,
`account`, see modmesh.runtime.tenancy). Every process holds all the public keys: the
server's interceptor checks a token against its issuer's public key and exposes the
result to servicers through `current_caller()`. So who a caller is comes from its
credential, never from a request field, and a process whose key leaks can speak only as
itself: termmatch's key mints no gateway token and no end user. Only grpc.health.v1
stays open, for the kubelet's probes. See docs/adr/0007-service-tokens.md.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import grpc
import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from modmesh.runtime.errors import InvalidArgument, ServiceError
from modmesh.runtime.handlers import wrap_behavior
from modmesh.runtime.settings import MeshSettings
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope, scope_claims, scope_from_claims

log = structlog.get_logger()

#: Every kind of process that calls inside the mesh, each with a key pair of its own.
SERVICES = ("gateway", "decision", "transcription", "termmatch", "similarity", "scoring", "cli")
#: The callers whose tokens may name an end user: the gateway, which authenticated them.
USER_CARRIERS = frozenset({"gateway"})
#: A token's lifetime; each call mints its own, so a stolen one is soon worthless.
TOKEN_SECONDS = 300
#: Clock skew tolerated between pods.
LEEWAY_SECONDS = 30
#: Set on every token, so that no other token passes as a service token.
AUDIENCE = "modmesh.service"
ALGORITHM = "EdDSA"
METADATA_KEY = "authorization"
#: Open without a token: the kubelet's gRPC probes cannot carry one.
OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)
#: The callers that may name an actor in a request field when they act for no end user:
#: the operator's own command line (which holds the cli key, so the operator's machine).
OPERATOR_CALLERS = frozenset({"cli"})


class ServiceKeyError(ValueError):
    """A service key is missing or unreadable; start-up stops naming the file."""


@dataclass(frozen=True)
class EndUser:
    """The person a call is made for, as the gateway authenticated them."""

    principal: str
    roles: tuple[str, ...] = ()
    #: The cases they may reach (tenants, an appellant's account).
    scope: CaseScope = UNRESTRICTED


@dataclass(frozen=True)
class Caller:
    """Who made the current call: the calling process and the person it acts for."""

    service: str
    user: EndUser | None = None


def keys_dir(settings: MeshSettings) -> Path:
    """Where the public keys are (MODMESH_SERVICE_PUBLIC_KEYS_DIR), else
    <data dir>/service-keys, where `modmesh up` makes every key pair."""
    if settings.service_public_keys_dir:
        return Path(settings.service_public_keys_dir)
    return settings.data_dir / "service-keys"


def key_path(settings: MeshSettings, service: str) -> Path:
    """Where `service`'s private key is: MODMESH_SERVICE_KEY_FILE, else
    <data dir>/service-keys/<service>.key."""
    if settings.service_key_file:
        return Path(settings.service_key_file)
    return settings.data_dir / "service-keys" / f"{service}.key"


def ensure_service_keys(directory: Path) -> Path:
    """Makes a key pair for every service that has none in `directory`: <service>.key
    (private, readable by its owner only) and <service>.pub. `modmesh up` calls it on
    the data dir; `modmesh service-keys DIR` for Kubernetes' Secrets."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for service in SERVICES:
        private = directory / f"{service}.key"
        # Created 0600 before a byte is written; O_EXCL: two starters never both write.
        try:
            descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                key = Ed25519PrivateKey.generate()
                file.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        public = directory / f"{service}.pub"
        if not public.exists():  # also when a start stopped between the two files
            public.write_bytes(
                load_private_key(private)
                .public_key()
                .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            )
    return directory


def ensure_local_keys(settings: MeshSettings) -> None:
    """As `modmesh up` does: every key pair under <data dir>/service-keys, unless the
    settings name keys made elsewhere."""
    if not (settings.service_key_file or settings.service_public_keys_dir):
        ensure_service_keys(keys_dir(settings))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise ServiceKeyError(
            f"no service key at {path} ({error.strerror}): `modmesh up` creates one; in "
            "Kubernetes mount this service's Secret modmesh-<service>-service-key and set "
            "MODMESH_SERVICE_KEY_FILE"
        ) from None
    except ValueError as error:
        raise ServiceKeyError(f"the service key at {path} cannot be read: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ServiceKeyError(f"the service key at {path} is not an Ed25519 key")
    return key


def load_public_keys(directory: Path) -> dict[str, Ed25519PublicKey]:
    """The public key of each service that has a <service>.pub in `directory`."""
    keys: dict[str, Ed25519PublicKey] = {}
    for service in SERVICES:
        path = directory / f"{service}.pub"
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as error:
            raise ServiceKeyError(f"the public key at {path} cannot be read: {error}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ServiceKeyError(f"the public key at {path} is not an Ed25519 key")
        keys[service] = key
    if not keys:
        raise ServiceKeyError(
            f"no public service keys (<service>.pub) in {directory}: `modmesh up` makes "
            "them; in Kubernetes mount the ConfigMap modmesh-service-public-keys and set "
            "MODMESH_SERVICE_PUBLIC_KEYS_DIR"
        )
    return keys


class Identity:
    """This process's name and private key, and every service's public key: mints tokens
    for its calls, checks others'."""

    def __init__(
        self,
        service: str,
        private_key: Ed25519PrivateKey,
        public_keys: Mapping[str, Ed25519PublicKey],
    ) -> None:
        self.service = service
        self._private_key = private_key
        self._public_keys = dict(public_keys)

    @classmethod
    def load(cls, settings: MeshSettings, service: str) -> Identity:
        return cls(
            service,
            load_private_key(key_path(settings, service)),
            load_public_keys(keys_dir(settings)),
        )

    def mint(self, user: EndUser | None = None, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": self.service,
            "aud": AUDIENCE,
            "iat": issued,
            "exp": issued + TOKEN_SECONDS,
        }
        if user is not None:
            claims["sub"] = user.principal
            claims["roles"] = list(user.roles)
            claims.update(scope_claims(user.scope))
        return jwt.encode(
            claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.service}
        )

    def verify(self, token: str) -> Caller:
        """The caller a token names; raises jwt.InvalidTokenError saying what is wrong."""
        issuer = jwt.get_unverified_header(token).get("kid")
        if not isinstance(issuer, str) or issuer not in self._public_keys:
            raise jwt.InvalidTokenError(f"no public key for the caller {issuer!r}")
        claims = jwt.decode(
            token,
            self._public_keys[issuer],
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "iat", "exp"]},
        )
        if claims["exp"] - claims["iat"] > TOKEN_SECONDS:
            raise jwt.InvalidTokenError(f"lifetime over {TOKEN_SECONDS}s")
        user = None
        if "sub" in claims:
            if issuer not in USER_CARRIERS:
                raise jwt.InvalidTokenError(f"{issuer} may not act for an end user")
            roles = tuple(str(r) for r in claims.get("roles", []))
            user = EndUser(str(claims["sub"]), roles, scope_from_claims(claims))
        return Caller(issuer, user)

    def derive_secret(self, purpose: str) -> bytes:
        """A 32-byte secret for `purpose`, derived from this process's private key (HKDF):
        every replica of a service holds the same one without another secret to keep,
        and it tells nothing of the key."""
        raw = self._private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return HKDF(SHA256(), length=32, salt=None, info=purpose.encode()).derive(raw)

    def metadata(self) -> tuple[str, str]:
        """The metadata entry for one call, acting for the current end user if any."""
        return (METADATA_KEY, f"Bearer {self.mint(_acting_user.get())}")


# --- the authenticated caller, for servicers -------------------------------------------

_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)
_acting_user: contextvars.ContextVar[EndUser | None] = contextvars.ContextVar(
    "acting_user", default=None
)


def current_caller() -> Caller:
    """Who made the RPC being served; only inside an authenticated call."""
    caller = _caller.get()
    if caller is None:
        raise RuntimeError("current_caller() outside an authenticated RPC")
    return caller


def act_for(user: EndUser) -> None:
    """Calls made from now on in this task (one gateway request) carry `user`."""
    _acting_user.set(user)


def acting_principal(claimed: str, field: str) -> str:
    """Who acts in the current call, for the audit: the end user the gateway
    authenticated, whatever `claimed` (the request's own field) says. Without an end
    user, only an operator caller (the CLI) may name the actor in the field."""
    caller = current_caller()
    if caller.user is not None:
        return caller.user.principal
    if caller.service not in OPERATOR_CALLERS:
        raise PermissionDenied(
            f"{caller.service} acts for no authenticated user; only the gateway (for its "
            f"user) or the operator's CLI may name the {field}"
        )
    if not claimed.strip():
        raise InvalidArgument(f"{field} is required: name who acts", field=field)
    return claimed


class PermissionDenied(ServiceError):
    code_name = "PERMISSION_DENIED"


# --- server side ------------------------------------------------------------------------


def _token_of(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        if key == METADATA_KEY and isinstance(value, str) and value.startswith("Bearer "):
            return value.removeprefix("Bearer ")
    return ""


# grpcio ships no type information, so its base classes are Any to mypy.
class ServiceIdentityInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Refuses calls without a valid service token (UNAUTHENTICATED, saying why) and
    runs the others with `current_caller()` set."""

    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        token = _token_of(handler_call_details.invocation_metadata)
        try:
            if not token:
                raise jwt.InvalidTokenError("no service token (authorization: Bearer …)")
            caller = self._identity.verify(token)
        except jwt.InvalidTokenError as error:
            log.info("call unauthenticated", method=method, reason=str(error))
            return wrap_behavior(handler, method, *_refusing(str(error)))
        return wrap_behavior(handler, method, *_as_caller(caller))


def _refusing(reason: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    message = f"service token refused: {reason}"

    def unary(behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

        return refuse

    def stream(behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)
            yield  # pragma: no cover - makes this an async generator, like the handler

        return refuse

    return unary, stream


def _as_caller(caller: Caller) -> tuple[Callable[..., Any], Callable[..., Any]]:
    # Each RPC is served in a task of its own, so setting the variable there is scoped
    # to the call.
    def unary(behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def serve(request: Any, context: grpc.aio.ServicerContext) -> Any:
            _caller.set(caller)
            return await behavior(request, context)

        return serve

    def stream(behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def serve(request: Any, context: grpc.aio.ServicerContext) -> Any:
            _caller.set(caller)
            async for response in behavior(request, context):
                yield response

        return serve

    return unary, stream


# --- client side ------------------------------------------------------------------------


def _with_token(metadata: Any, identity: Identity) -> tuple[tuple[str, str | bytes], ...]:
    kept = tuple((k, v) for k, v in (metadata or ()) if k != METADATA_KEY)
    return (*kept, identity.metadata())


class _AioToken:
    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    def _details(self, details: Any) -> Any:
        metadata = grpc.aio.Metadata(*_with_token(details.metadata, self._identity))
        return details._replace(metadata=metadata)


# grpc.aio files an interceptor under the first of the four kinds it is an instance of
# (an if/elif chain), so each kind needs a class of its own.
class _AioUnaryUnary(_AioToken, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _AioUnaryStream(_AioToken, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _AioStreamUnary(_AioToken, grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class _AioStreamStream(_AioToken, grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


def aio_token_interceptors(identity: Identity) -> list[Any]:
    """Interceptors adding this process's token (for the current end user, if any) to
    every call of a grpc.aio channel, whatever its streaming shape."""
    kinds = (_AioUnaryUnary, _AioUnaryStream, _AioStreamUnary, _AioStreamStream)
    return [kind(identity) for kind in kinds]


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class TokenInterceptor(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """The same, for blocking channels (the CLI, tests)."""

    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    def _details(self, details: Any) -> Any:
        return _CallDetails(
            details.method,
            details.timeout,
            _with_token(details.metadata, self._identity),
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)
