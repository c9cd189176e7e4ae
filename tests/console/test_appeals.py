"""An account appeals a removal from the console, and a reviewer other than the one who
removed it decides the appeal with the decision and its evidence in front of them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console.conftest import ConsoleMesh, sign_in
from tests.console.pages import screenshot


def test_an_appeal_is_decided_by_another_reviewer(
    page: Page, console_mesh: ConsoleMesh, removed_case: str
) -> None:
    sign_in(page, console_mesh, "demo-account")
    expect(page).to_have_url(f"{console_mesh.url}/console/mine")
    page.get_by_role("link", name=removed_case[:8]).click()
    page.get_by_label("Why the decision is wrong").fill("It was a joke among friends.")
    page.get_by_role("button", name="File the appeal").click()
    expect(page.locator(".trail")).to_contain_text("appeal by demo-account")

    page.context.clear_cookies()
    sign_in(page, console_mesh, "ada")
    page.goto(f"{console_mesh.url}/console/appeals")
    appeal = page.get_by_role("article").filter(has_text=removed_case[:8])
    expect(appeal).to_contain_text("You took this decision")
    expect(appeal.get_by_role("button", name="Reject: the action stands")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, console_mesh, "bo")
    page.goto(f"{console_mesh.url}/console/appeals")
    appeal = page.get_by_role("article").filter(has_text=removed_case[:8])
    expect(appeal).to_contain_text("It was a joke among friends.")
    expect(appeal).to_contain_text("remove content by ada")
    expect(appeal.locator("mark")).to_contain_text(["free gift card"])
    screenshot(page, "appeals")
    appeal.get_by_label("Answer to the account").fill("The offer was a scam whatever the intent.")
    appeal.get_by_role("button", name="Reject: the action stands").click()

    expect(page.get_by_role("article").filter(has_text=removed_case[:8])).to_have_count(0)
    with console_mesh.api("bo") as bo:
        decided = bo.get(f"/v1/cases/{removed_case}").json()["appeals"][0]
    assert decided["status"] == "APPEAL_STATUS_REJECTED"
    assert decided["reviewer"] == "bo"
