"""What the console's browser tests share about pages: each page they reach is looked at
the way a person would, at a desktop's and a phone's size, and checked by axe-core."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.console.conftest import SCREENSHOTS, VIEWPORTS

#: axe-core, from the npm registry (the Makefile installs it under build/tools).
AXE = Path(__file__).parents[2] / "build" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts of accessibility violations a page may not have.
BLOCKING = {"serious", "critical"}


def screenshot(page: Page, name: str) -> None:
    """The page as it stands, at every size of VIEWPORTS (docs/console/<name>-<size>.png),
    and no serious or critical accessibility violation at either; the page is left at
    the desktop size."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png")
        violations = accessibility_violations(page)
        assert violations == [], f"{name} at {size}: {violations}"
    page.set_viewport_size(VIEWPORTS["desktop"])


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: `make test` installs it from npm")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})"
        for v in found
        if v["impact"] in BLOCKING
    ]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Polls `condition` from Python: the console's Content-Security-Policy forbids the
    string evaluation that Playwright's wait_for_function would use."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)
