"""The gateway's settings: the shared mesh settings plus its credentials."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import MIB, MeshSettings


@dataclass(frozen=True)
class GatewaySettings(MeshSettings):
    #: The gateway's API keys: "subject:role+role:key" entries separated by commas
    #: (roles: moderator, policy-admin, auditor, appellant, service). Never logged.
    #: Each key is at least 32 bytes. `modmesh up` makes a local key when this is empty
    #: (see README).
    api_keys: str = ""
    #: HS256 key of JWT bearer tokens (claims: sub, roles, exp), at least 32 bytes;
    #: empty: no JWTs.
    jwt_secret: str = ""
    #: Longest a JWT may still be valid for: a token whose exp is further away (or whose
    #: exp - iat is longer) is refused, so a leaked token does not open the API for long.
    jwt_max_lifetime_seconds: int = 3600
    #: Serve /docs and /openapi.json to anyone; otherwise they need a credential.
    public_docs: bool = False
    #: Largest body of a JSON route, in bytes (a rule document of 200,000 characters
    #: fits); uploads stream under max_media_bytes instead.
    max_json_body_bytes: int = 2 * MIB
    #: Largest body of a term list import (CSV or JSON Lines), in bytes.
    max_import_body_bytes: int = 64 * MIB
    #: What a `service` credential may read beyond the cases it submitted:
    #: "subject=tenant+tenant" entries separated by commas; "subject=*" reads every case.
    tenant_grants: str = ""
    #: How long a console session lasts after signing in (a reviewer's shift); one
    #: opened with a JWT ends with the token. A revoked API key ends its sessions at once.
    console_session_seconds: int = 8 * 3600
