"""A service on the shared runtime whose load finishes only when a file appears, so a
test can look at it while it is still loading. Run as `python -m tests.runtime.loading_service`."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from modmesh.runtime.server import Service, run
from modmesh.runtime.settings import MeshSettings

#: The file whose creation ends the load.
RELEASE_ENV = "LOADING_SERVICE_RELEASE"


def build(settings: MeshSettings) -> Service:
    release = Path(os.environ[RELEASE_ENV])

    async def load() -> None:
        # The test process creates the file: an asyncio.Event cannot reach across to it.
        while not await asyncio.to_thread(release.exists):  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    return Service(
        name="termmatch",  # borrows termmatch's address from the settings, and its key
        grpc_services=["modmesh.test.LoadingService"],
        register=lambda server: None,
        load=load,
    )


if __name__ == "__main__":
    run(build, "termmatch", MeshSettings)
