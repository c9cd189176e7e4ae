"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..auth import PUBLIC
from ..schemas import ReadinessOut
from .common import Services

router = APIRouter()


@router.get(
    "/healthz",
    dependencies=[PUBLIC],
    tags=["health"],
    summary="Liveness: the gateway process runs",
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    dependencies=[PUBLIC],
    tags=["health"],
    summary="Readiness: every service reports SERVING",
    response_model=ReadinessOut,
    responses={503: {"model": ReadinessOut, "description": "A service is not SERVING."}},
)
async def readyz(services: Services) -> JSONResponse:
    statuses = await services.health()
    ready = all(status == "SERVING" for status in statuses.values())
    return JSONResponse(
        ReadinessOut(ready=ready, services=statuses).model_dump(),
        status_code=200 if ready else 503,
    )
