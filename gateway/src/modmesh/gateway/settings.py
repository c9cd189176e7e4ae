"""The gateway's settings: the shared mesh settings plus its credentials."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import MeshSettings


@dataclass(frozen=True)
class GatewaySettings(MeshSettings):
    #: The gateway's API keys: "subject:role+role:key" entries separated by commas
    #: (roles: moderator, policy-admin, auditor, appellant, service). Never logged.
    #: `modmesh up` makes a local key when this is empty (see README).
    api_keys: str = ""
    #: HS256 key of JWT bearer tokens (claims: sub, roles, exp); empty: no JWTs.
    jwt_secret: str = ""
    #: What a `service` credential may read beyond the cases it submitted:
    #: "subject=tenant+tenant" entries separated by commas; "subject=*" reads every case.
    tenant_grants: str = ""
