"""A policy-admin edits policy in the console: publishes a rule set only after a dry run
shows how many recent cases it would decide differently."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.console.conftest import ConsoleMesh, sign_in
from tests.console.pages import screenshot

#: Scam hits go first: every recent case with one would be decided differently.
SCAMS_FIRST = """rules:
  - id: scams-first
    when: {all: [{term_hits: {categories: [scam]}}]}
    then: {queue: {priority: urgent, sla_hours: 2}}
"""


def test_a_rule_set_is_published_after_its_dry_run(
    page: Page, console_mesh: ConsoleMesh, sample_case: dict[str, Any]
) -> None:
    with console_mesh.api("pat") as pat:
        before = pat.get("/v1/rules").json()
    sign_in(page, console_mesh, "pat")
    page.get_by_role("link", name="Rules").click()
    expect(page.get_by_text(f"In force: version {before['version']}")).to_be_visible()
    expect(page.get_by_role("button", name="Publish this rule set")).to_have_count(0)

    page.get_by_label("Rule set (YAML or JSON)").fill(SCAMS_FIRST)
    page.get_by_role("button", name="Dry run on recent cases").click()
    summary = page.locator("#dry-run-summary")
    expect(summary).to_contain_text("recent cases would be decided differently")
    changed = int(summary.locator("strong").inner_text())
    assert changed >= 1, "the sample case has a scam hit and is queued as high, not urgent"
    expect(page.get_by_role("link", name=sample_case["case_id"][:8])).to_be_visible()
    screenshot(page, "rules")

    page.get_by_label("Why publish it").fill("Scams are our most urgent work.")
    page.get_by_role("button", name="Publish this rule set").click()
    expect(page.get_by_text(f"In force: version {before['version'] + 1}")).to_be_visible()
    with console_mesh.api("pat") as pat:
        after = pat.get("/v1/rules").json()
    assert after["source"] == SCAMS_FIRST
    assert after["actor"] == "pat"


def test_a_term_added_in_the_console_is_in_the_lists_next_version(
    page: Page, console_mesh: ConsoleMesh
) -> None:
    term = '<script>document.title="pwned"</script> prize claim'
    sign_in(page, console_mesh, "pat")
    expect(page).to_have_url(f"{console_mesh.url}/console/lists")
    page.get_by_role("link", name="sample-scams").click()
    before = int(page.locator("#list-version").inner_text().removeprefix("version "))

    page.get_by_label("Search terms").fill("GIFT")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="free gift card", exact=True)).to_be_visible()
    screenshot(page, "list")

    page.get_by_label("Term", exact=True).fill(term)
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Category").fill("scam")
    page.get_by_role("button", name="Add term").click()

    expect(page.locator("#list-version")).to_have_text(f"version {before + 1}")
    expect(page.get_by_role("cell", name=term, exact=True)).to_be_visible()
    assert page.title() != "pwned"
    newest = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"What version {before + 1} changed")
    )
    expect(newest).to_contain_text("pat")
    expect(newest).to_contain_text("terms added")

    page.get_by_role("link", name=f"What version {before + 1} changed").click()
    expect(page.get_by_role("heading")).to_contain_text(f"version {before} → {before + 1}")
    added = page.get_by_role("row").filter(has_text=term)
    expect(added).to_contain_text("added")
    screenshot(page, "list-changes")
