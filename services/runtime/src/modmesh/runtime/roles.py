"""The roles a caller of the mesh holds. The gateway authorises each route by them; the CLI
names them when it makes the local operator's key."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    #: Reviews cases: queues, claims, decisions, appeal decisions.
    MODERATOR = "moderator"
    #: Edits policy: rules, term lists, banks, reviewers, accounts.
    POLICY_ADMIN = "policy-admin"
    #: Reads everything, changes nothing.
    AUDITOR = "auditor"
    #: An affected account: appeals its own cases, reads their statements of reasons.
    APPELLANT = "appellant"
    #: A platform integration: submits media and reads the cases it opened.
    SERVICE = "service"
