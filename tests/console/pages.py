"""What the console's browser tests share about pages: screenshots at each size."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page

from tests.console.conftest import SCREENSHOTS, VIEWPORTS


def screenshot(page: Page, name: str) -> None:
    """The page as it stands, at every size of VIEWPORTS (docs/console/<name>-<size>.png);
    the page is left at the desktop size."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png")
    page.set_viewport_size(VIEWPORTS["desktop"])


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Polls `condition` from Python: the console's Content-Security-Policy forbids the
    string evaluation that Playwright's wait_for_function would use."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)
