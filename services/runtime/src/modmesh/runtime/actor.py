"""Who the audit log names for a change to a term list or a hash bank.

The caller's credential decides, as for decision's changes (`acting_principal`): the end
user the gateway authenticated, whatever the request's `actor` field claims; only the
operator's CLI names the actor in the field, and a change it makes naming nobody is still
recorded, as "unattributed". Another service acting for nobody is refused.
"""

from __future__ import annotations

from typing import Protocol

from modmesh.runtime.identity import OPERATOR_CALLERS, acting_principal, current_caller

#: Recorded for an operator's change that named nobody.
UNATTRIBUTED = "unattributed"


class NamesActor(Protocol):
    @property
    def actor(self) -> str: ...


def actor_of(request: NamesActor) -> str:
    """The actor of a mutating request, from the current call's credential."""
    caller = current_caller()
    if caller.user is None and caller.service in OPERATOR_CALLERS and not request.actor.strip():
        return UNATTRIBUTED
    return acting_principal(request.actor, "actor")
