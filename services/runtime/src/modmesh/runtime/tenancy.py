"""Tenant boundaries: which cases a caller may address, carried from the gateway to decision.

The gateway authenticates the end user and turns their credential into a `CaseScope`;
decision records `tenant` on the cases a caller submits and answers only about cases
the scope admits (any other case is "not found", so ids reveal nothing).

The scope travels as gRPC metadata written by `scope_metadata` and read by `scope_of`,
the one place each side touches it, so the signed end-user identity of the service
plane can carry it instead without changing a handler. A call without scope metadata
is unrestricted: it comes from inside the mesh (the CLI, the gateway's own reads), and
the service plane's authentication, not this module, decides who may make one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Binary (``-bin``) metadata: subjects may be any UTF-8 text (JWT ``sub`` claims).
TENANT_KEY = "modmesh-tenant-bin"
READ_TENANT_KEY = "modmesh-read-tenant-bin"
ACCOUNT_KEY = "modmesh-account-bin"

Metadata = tuple[tuple[str, str | bytes], ...]


@dataclass(frozen=True)
class CaseScope:
    """A caller's reach over cases. `None` on an axis means no limit on it."""

    #: The credential acting: recorded on the cases it submits ("" for the mesh itself).
    tenant: str = ""
    #: Only cases submitted by these tenants (a service's own, plus what it is granted).
    tenants: frozenset[str] | None = None
    #: Only cases of this account (an appellant's own).
    account: str | None = None

    @property
    def restricted(self) -> bool:
        """Whether some case is out of reach."""
        return self.tenants is not None or self.account is not None

    def admits(self, tenant: str, account_id: str) -> bool:
        """Whether a case submitted by `tenant` about `account_id` is within reach."""
        if self.tenants is not None and tenant not in self.tenants:
            return False
        return self.account is None or account_id == self.account


UNRESTRICTED = CaseScope()


def scope_metadata(scope: CaseScope) -> Metadata:
    """The metadata of a call made on behalf of a caller with `scope`."""
    entries: list[tuple[str, str | bytes]] = []
    if scope.tenant:
        entries.append((TENANT_KEY, scope.tenant.encode()))
    if scope.tenants is not None:
        if not scope.tenants:
            # No entries would read as "unrestricted": refuse rather than widen.
            raise ValueError("a scope limited to tenants must name at least one")
        entries += [(READ_TENANT_KEY, t.encode()) for t in sorted(scope.tenants)]
    if scope.account is not None:
        entries.append((ACCOUNT_KEY, scope.account.encode()))
    return tuple(entries)


def scope_of(metadata: Iterable[tuple[str, str | bytes]] | None) -> CaseScope:
    """The scope a call's invocation metadata carries; no scope metadata: unrestricted."""
    tenant, account = "", None
    tenants: set[str] | None = None
    for key, value in metadata or ():
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        if key == TENANT_KEY:
            tenant = text
        elif key == READ_TENANT_KEY:
            tenants = (tenants or set()) | {text}
        elif key == ACCOUNT_KEY:
            account = text
    return CaseScope(tenant, None if tenants is None else frozenset(tenants), account)
