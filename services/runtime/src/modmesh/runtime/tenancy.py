"""Tenant boundaries: which cases a caller may address, carried from the gateway to decision.

The gateway authenticates the end user and turns their credential into a `CaseScope`;
decision records `tenant` on the cases a caller submits and answers only about cases
the scope admits (any other case is "not found", so ids reveal nothing).

The scope travels inside the signed service token, with the end user it belongs to
(`scope_claims` writes it, `scope_from_claims` reads it; modmesh.runtime.identity): no
request field or loose metadata can widen it. A call for no end user is unrestricted:
it comes from inside the mesh (the CLI), and the service plane's authentication, not
this module, decides who may make one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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


def scope_claims(scope: CaseScope) -> dict[str, Any]:
    """The token claims of a user with `scope` (none when unrestricted)."""
    claims: dict[str, Any] = {}
    if scope.tenant:
        claims["tenant"] = scope.tenant
    if scope.tenants is not None:  # an empty list reaches no tenant's cases
        claims["read_tenants"] = sorted(scope.tenants)
    if scope.account is not None:
        claims["account"] = scope.account
    return claims


def scope_from_claims(claims: Mapping[str, Any]) -> CaseScope:
    """The scope a verified token's claims give its user."""
    tenants = claims.get("read_tenants")
    account = claims.get("account")
    return CaseScope(
        str(claims.get("tenant", "")),
        None if tenants is None else frozenset(str(t) for t in tenants),
        None if account is None else str(account),
    )
