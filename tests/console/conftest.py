"""The console in a real browser: Debian's Chromium, driven headless by Playwright's
Python package through its executable path (nothing is downloaded), against a real
`modmesh up` mesh whose gateway knows one API key per person below."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

from modmesh.cli.samples import CLIP
from modmesh.runtime.roles import Role
from tests.support import LoopbackSettings, loopback_settings, modmesh_up, run_modmesh

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    # The player must start without a gesture (the tests press play by script).
    "--autoplay-policy=no-user-gesture-required",
]
#: The sizes every page is shown at: a desktop and a phone.
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "console"
#: The people of the test mesh: each signs in with a key of their own.
PEOPLE = {
    "ada": Role.MODERATOR,
    "bo": Role.MODERATOR,
    "pat": Role.POLICY_ADMIN,
    "uploader": Role.SERVICE,
    # An appellant is known by its account id.
    "demo-account": Role.APPELLANT,
}
KEYS = {name: f"console-{name}-{secrets.token_hex(16)}" for name in PEOPLE}


@dataclass(frozen=True)
class ConsoleMesh:
    settings: LoopbackSettings
    url: str

    def api(self, person: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-Key": KEYS[person]}, timeout=60)

    def moderate(self, clip: Path, account: str) -> dict[str, Any]:
        """Uploads a clip as the uploader and waits for its case, as a platform would."""
        result = run_modmesh(
            "moderate",
            str(clip),
            "--json",
            "--quiet",
            "--account",
            account,
            settings=self.settings,
            env={"MODMESH_API_KEY": KEYS["uploader"]},
            timeout=600,
        )
        assert result.returncode == 0, result.stderr
        case: dict[str, Any] = json.loads(result.stdout)
        return case


@pytest.fixture(scope="package")
def console_mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleMesh]:
    settings = loopback_settings(tmp_path_factory.mktemp("console"))
    api_keys = ",".join(f"{name}:{role.value}:{KEYS[name]}" for name, role in PEOPLE.items())
    with modmesh_up(settings, {"MODMESH_API_KEYS": api_keys}):
        mesh = ConsoleMesh(settings, f"http://{settings.gateway_addr}")
        register_moderators(mesh)
        yield mesh


def register_moderators(mesh: ConsoleMesh) -> None:
    """As a policy-admin does before moderators can take cases."""
    with mesh.api("pat") as admin:
        for reviewer in (name for name, role in PEOPLE.items() if role is Role.MODERATOR):
            registered = admin.put(f"/v1/reviewers/{reviewer}", json={"reason": "on the team"})
            assert registered.status_code == 200, registered.text


@pytest.fixture(scope="package")
def sample_case(console_mesh: ConsoleMesh) -> dict[str, Any]:
    """The bundled sample clip (a spoken "free gift card" scam) as a case in the queue."""
    case = console_mesh.moderate(CLIP, "demo-account")
    assert case["status"] == "CASE_STATUS_OPEN", case
    return case


@pytest.fixture(scope="package")
def removed_case(console_mesh: ConsoleMesh, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Another upload of the sample clip by demo-account, whose content ada removed."""
    copy = tmp_path_factory.mktemp("appeal") / "appeal-me.mp4"
    shutil.copyfile(CLIP, copy)
    case_id = str(console_mesh.moderate(copy, "demo-account")["case_id"])
    with console_mesh.api("ada") as ada:
        assert ada.post(f"/v1/cases/{case_id}/claim", json={}).status_code == 200
        removed = ada.post(
            f"/v1/cases/{case_id}/actions",
            json={"type": "remove_content", "reason": "Under the scam policy."},
        )
        assert removed.status_code == 200, removed.text
    return case_id


# Package-scoped: Playwright's sync API runs an event loop of its own while it is open,
# which the asyncio tests after this package could not run beside.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"the console's browser tests need Debian's Chromium at {CHROMIUM}: "
            "`sudo apt-get install chromium chromium-driver` (make test installs it)"
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, mesh: ConsoleMesh, person: str) -> None:
    page.goto(f"{mesh.url}/console/sign-in")
    page.get_by_label("API key or bearer token").fill(KEYS[person])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
