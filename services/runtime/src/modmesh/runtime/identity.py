"""Service identity: every gRPC call inside the mesh carries a signed, short-lived token.

The calling process mints an HS256 token with the mesh's service key (a Secret) naming
itself (`iss`) and, when it acts for a person, that person (`sub`, `roles`, and the cases
they may reach: `tenant`, `read_tenants`, `account`, see modmesh.runtime.tenancy); the server's
interceptor checks it and exposes the result to servicers through `current_caller()`.
Who a caller is therefore comes from its credential, never from a request field. Only
grpc.health.v1 stays open, for the kubelet's probes. See docs/adr/0007-service-tokens.md.
"""

from __future__ import annotations

import contextvars
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import grpc
import jwt
import structlog

from modmesh.runtime.errors import InvalidArgument, ServiceError
from modmesh.runtime.handlers import wrap_behavior
from modmesh.runtime.settings import MeshSettings
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope, scope_claims, scope_from_claims

log = structlog.get_logger()

#: Shorter keys are refused: HS256 is only as strong as its key.
MIN_KEY_BYTES = 32
#: A token's lifetime; each call mints its own, so a stolen one is soon worthless.
TOKEN_SECONDS = 300
#: Clock skew tolerated between pods.
LEEWAY_SECONDS = 30
#: Set on every token, so that no other HS256 token (e.g. a gateway user JWT signed with a
#: reused secret) passes as a service token.
AUDIENCE = "modmesh.service"
METADATA_KEY = "authorization"
#: Open without a token: the kubelet's gRPC probes cannot carry one.
OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)
#: The callers that may name an actor in a request field when they act for no end user:
#: the operator's own command line (which holds the mesh key, so the operator's machine).
OPERATOR_CALLERS = frozenset({"cli"})


class ServiceKeyError(ValueError):
    """The service key is missing or too weak; start-up stops naming the file."""


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


def key_path(settings: MeshSettings) -> Path:
    """Where the service key lives: MODMESH_SERVICE_KEY_FILE, else <data dir>/service-key."""
    return (
        Path(settings.service_key_file)
        if settings.service_key_file
        else (settings.data_dir / "service-key")
    )


def ensure_service_key(settings: MeshSettings) -> Path:
    """Creates the mesh's service key on first start (readable by its owner only)."""
    path = key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 before a byte is written; O_EXCL: two starters never both write.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path


def load_service_key(settings: MeshSettings) -> bytes:
    path = key_path(settings)
    try:
        key = path.read_bytes().strip()
    except OSError as error:
        raise ServiceKeyError(
            f"no service key at {path} ({error.strerror}): `modmesh up` creates one; "
            "in Kubernetes mount the modmesh-service-key Secret and set "
            "MODMESH_SERVICE_KEY_FILE"
        ) from None
    if len(key) < MIN_KEY_BYTES:
        raise ServiceKeyError(
            f"the service key in {path} has {len(key)} bytes; at least {MIN_KEY_BYTES} needed"
        )
    return key


class Identity:
    """This process's name and the mesh key: mints tokens for its calls, checks others'."""

    def __init__(self, service: str, key: bytes) -> None:
        self.service = service
        self._key = key

    @classmethod
    def load(cls, settings: MeshSettings, service: str) -> Identity:
        return cls(service, load_service_key(settings))

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
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str) -> Caller:
        """The caller a token names; raises jwt.InvalidTokenError saying what is wrong."""
        claims = jwt.decode(
            token,
            self._key,
            algorithms=["HS256"],
            audience=AUDIENCE,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "iat", "exp"]},
        )
        if claims["exp"] - claims["iat"] > TOKEN_SECONDS:
            raise jwt.InvalidTokenError(f"lifetime over {TOKEN_SECONDS}s")
        user = None
        if "sub" in claims:
            roles = tuple(str(r) for r in claims.get("roles", []))
            user = EndUser(str(claims["sub"]), roles, scope_from_claims(claims))
        return Caller(str(claims["iss"]), user)

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
