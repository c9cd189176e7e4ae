"""Signing in to the console: the API's own credentials, kept in a session cookie.

A reviewer signs in once with the API key or JWT they would send to the API; the
gateway checks it as the API does and answers with a session cookie: a token signed with
a secret derived from the gateway's service key (so every gateway replica reads it and
there is no other secret to keep), HttpOnly, SameSite=Strict, Secure over HTTPS, scoped
to /console. The cookie never holds the credential itself: for an API key it holds the
key's digest, checked against the configured keys on every request (a revoked key
ends its sessions at once); a JWT's session ends when the token does. Every form
carries the session's CSRF token, compared in constant time with the cookie's.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from ..auth import Authenticator, AuthError, Principal

COOKIE = "modmesh_console"
COOKIE_PATH = "/console"
#: The audience of a session token: no API or service token passes as one.
AUDIENCE = "modmesh.console"
#: What the session secret is derived for (Identity.derive_secret).
SECRET_PURPOSE = "modmesh console session v1"  # noqa: S105 - a label, not a secret
ALGORITHM = "HS256"


class SignInRequired(Exception):
    """No session, or one that ended: the browser goes to the sign-in page."""


@dataclass(frozen=True)
class Session:
    principal: Principal
    #: Compared with the `csrf` field of every form the session posts.
    csrf: str
    #: When the reviewer signed in (seconds since the epoch): how long they have worked.
    signed_in_at: float
    expires_at: float

    def check_csrf(self, token: str) -> None:
        if not hmac.compare_digest(self.csrf.encode(), token.encode()):
            raise AuthError(403, "the form is out of date or came from elsewhere; reload it")


class Sessions:
    """Issues and reads session cookies."""

    def __init__(self, secret: bytes, authenticator: Authenticator, lifetime: float) -> None:
        self._secret = secret
        self._authenticator = authenticator
        self._lifetime = lifetime

    def sign_in(self, credential: str) -> tuple[Session, str]:
        """The session a credential opens, and its cookie's value; AuthError (401) for a
        credential the API would refuse."""
        credential = credential.strip()
        principal = self._authenticator.authenticate({"authorization": f"Bearer {credential}"})
        now = time.time()
        expires = now + self._lifetime
        claims: dict[str, Any] = {"aud": AUDIENCE, "iat": int(now), "csrf": secrets.token_urlsafe()}
        key_digest = self._authenticator.key_digest(credential)
        if key_digest is not None:
            claims["key"] = key_digest
        else:
            # A JWT: its own subject, roles and end, checked once here.
            token_end = jwt.decode(credential, options={"verify_signature": False})["exp"]
            expires = min(expires, float(token_end))
            claims |= {"sub": principal.subject, "roles": sorted(principal.roles)}
        claims["exp"] = int(expires)
        return self._session(claims), jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read(self, cookie: str | None) -> Session:
        if not cookie:
            raise SignInRequired
        try:
            claims = jwt.decode(
                cookie,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["aud", "iat", "exp", "csrf"]},
            )
        except jwt.InvalidTokenError:
            raise SignInRequired from None
        return self._session(claims)

    def _session(self, claims: dict[str, Any]) -> Session:
        if "key" in claims:
            principal = self._authenticator.principal_of_key(str(claims["key"]))
            if principal is None:  # the key was revoked since
                raise SignInRequired
        else:
            principal = self._authenticator.principal_of_claims(claims)
        return Session(principal, str(claims["csrf"]), float(claims["iat"]), float(claims["exp"]))
