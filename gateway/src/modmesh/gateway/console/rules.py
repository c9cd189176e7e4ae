"""The operator's rules: the set in force, a proposal's dry run over recent cases, and
publishing it, which the page offers only for the very document that was dry-run."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from modmesh.contracts.decision.v1 import decision_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from ..routes.rules import DRY_RUN_TIMEOUT_SECONDS
from .session import Session
from .web import CsrfToken, PolicyAdmin, Services, render

router = APIRouter()
#: Largest rule document the page takes, as the API's JSON body limit allows.
MAX_DOCUMENT = 200_000
Document = Annotated[str, Form(max_length=MAX_DOCUMENT)]


def as_typed(document: str) -> str:
    """The document with the line ends its author typed: browsers send a textarea's
    lines ended by CRLF (HTML's form encoding), which the rule set would keep."""
    return document.replace("\r\n", "\n")


def dry_run_seal(session: Session, document: str) -> str:
    """Binds a publish form to the document its dry run showed, for this session."""
    return hmac.new(session.csrf.encode(), document.encode(), hashlib.sha256).hexdigest()


@router.get("/rules")
async def rules_page(request: Request, session: PolicyAdmin, services: Services) -> Response:
    reply = await services.decision.GetRules(
        decision_pb2.GetRulesRequest(), timeout=RPC_TIMEOUT_SECONDS
    )
    rules = reply.rule_set
    return render(request, session, "rules.html", rules=rules, document=rules.source, dry_run=None)


@router.post("/rules/dry-run")
async def dry_run(
    request: Request, session: PolicyAdmin, services: Services, csrf: CsrfToken, document: Document
) -> Response:
    session.check_csrf(csrf)
    document = as_typed(document)
    current = await services.decision.GetRules(
        decision_pb2.GetRulesRequest(), timeout=RPC_TIMEOUT_SECONDS
    )
    result = await services.decision.DryRunRules(
        decision_pb2.DryRunRulesRequest(document=document), timeout=DRY_RUN_TIMEOUT_SECONDS
    )
    return render(
        request,
        session,
        "rules.html",
        rules=current.rule_set,
        document=document,
        dry_run=result,
        seal=dry_run_seal(session, document),
    )


@router.post("/rules/publish")
async def publish(
    session: PolicyAdmin,
    services: Services,
    csrf: CsrfToken,
    document: Document,
    seal: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    session.check_csrf(csrf)
    document = as_typed(document)
    if not hmac.compare_digest(seal, dry_run_seal(session, document)):
        return RedirectResponse("/console/rules", status_code=303)
    await services.decision.PutRules(
        decision_pb2.PutRulesRequest(
            document=document, actor=session.principal.subject, reason=reason
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse("/console/rules", status_code=303)
