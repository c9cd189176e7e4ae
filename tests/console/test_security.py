"""What the console must never do: run text it shows, show a case to someone whose
credential does not reach it, let a role do what it may not, or take a form from
elsewhere. Checked through the console itself, not only through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from modmesh.cli.samples import CLIP, SAMPLE_BANK
from tests.console.conftest import KEYS, ConsoleMesh, sign_in

SCRIPT = '<script>document.title="pwned"</script>'
ATTRIBUTE = '"><img src=x onerror="document.title=\'pwned\'">'


@pytest.fixture(scope="module")
def hostile_case(console_mesh: ConsoleMesh) -> str:
    """A case whose account and content ids, chosen by the uploader, are markup."""
    with console_mesh.api("uploader") as uploader, CLIP.open("rb") as clip:
        submitted = uploader.post(
            "/v1/media",
            files={"file": ("hostile.mp4", clip, "video/mp4")},
            data={"account_id": f"acct{ATTRIBUTE}", "content_id": SCRIPT},
        )
    assert submitted.status_code == 202, submitted.text
    return str(submitted.json()["case_id"])


@contextmanager
def session_client(mesh: ConsoleMesh, person: str) -> Iterator[tuple[httpx.Client, str]]:
    """A client signed in to the console as `person`, and its session's CSRF token."""
    with httpx.Client(base_url=mesh.url, timeout=60) as client:
        signed_in = client.post("/console/sign-in", data={"credential": KEYS[person]})
        assert signed_in.status_code == 303, signed_in.text
        home = client.get("/console/").headers["location"]
        found = re.search(r'name="csrf" value="([^"]+)"', client.get(home).text)
        assert found, "every page carries the session's CSRF token"
        yield client, found.group(1)


def test_markup_in_what_the_console_shows_is_text(
    page: Page, console_mesh: ConsoleMesh, hostile_case: str
) -> None:
    dialogs: list[Any] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog))
    sign_in(page, console_mesh, "ada")
    page.goto(f"{console_mesh.url}/console/cases/{hostile_case}")
    expect(page.get_by_text(SCRIPT)).to_be_visible()
    expect(page.get_by_text(f"acct{ATTRIBUTE}")).to_be_visible()
    # The only images are the known item's frames the console serves itself.
    assert page.locator("img").count() == page.locator("img[src^='/console/items/']").count()
    assert page.locator("img[src='x']").count() == 0
    assert page.title() != "pwned"
    assert dialogs == []


def test_the_session_cookie_is_out_of_scripts_reach_and_stays_on_this_site(
    console_mesh: ConsoleMesh,
) -> None:
    with httpx.Client(base_url=console_mesh.url) as client:
        signed_in = client.post("/console/sign-in", data={"credential": KEYS["ada"]})
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    assert KEYS["ada"] not in cookie


def test_every_page_forbids_inline_script(console_mesh: ConsoleMesh) -> None:
    with session_client(console_mesh, "ada") as (client, _):
        policy = client.get("/console/queue").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_a_form_without_the_sessions_token_is_refused(
    console_mesh: ConsoleMesh, sample_case: dict[str, Any]
) -> None:
    with session_client(console_mesh, "bo") as (client, _):
        forged = client.post(
            f"/console/cases/{sample_case['case_id']}/claim", data={"csrf": "forged"}
        )
        missing = client.post(f"/console/cases/{sample_case['case_id']}/claim")
    assert forged.status_code == 403
    assert missing.status_code == 400
    with console_mesh.api("bo") as bo:
        lease = bo.get(f"/v1/cases/{sample_case['case_id']}").json().get("lease") or {}
    assert lease.get("holder") != "bo"


def test_an_appellant_cannot_open_another_accounts_case(
    page: Page, console_mesh: ConsoleMesh, hostile_case: str
) -> None:
    sign_in(page, console_mesh, "demo-account")
    response = page.goto(f"{console_mesh.url}/console/cases/{hostile_case}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("not found")
    expect(page.get_by_text(SCRIPT)).to_have_count(0)
    media = page.request.get(f"{console_mesh.url}/console/cases/{hostile_case}/media")
    assert media.status == 404
    assert media.headers["content-type"].startswith("text/html")


def test_a_moderator_cannot_publish_rules(page: Page, console_mesh: ConsoleMesh) -> None:
    sign_in(page, console_mesh, "ada")
    expect(page.get_by_role("link", name="Rules")).to_have_count(0)
    response = page.goto(f"{console_mesh.url}/console/rules")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("needs: policy-admin")
    with session_client(console_mesh, "ada") as (client, csrf):
        published = client.post(
            "/console/rules/publish",
            data={"csrf": csrf, "document": "rules: []", "seal": "x", "reason": "mine now"},
        )
    assert published.status_code == 403


def test_media_is_served_in_ranges_to_whoever_may_read_the_case(
    console_mesh: ConsoleMesh, sample_case: dict[str, Any]
) -> None:
    case_id = sample_case["case_id"]
    with console_mesh.api("ada") as ada:
        whole = ada.get(f"/v1/cases/{case_id}/media")
        part = ada.get(f"/v1/cases/{case_id}/media", headers={"Range": "bytes=100-199"})
        past = ada.get(f"/v1/cases/{case_id}/media", headers={"Range": "bytes=99999999-"})
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.content == CLIP.read_bytes()
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{CLIP.stat().st_size}"
    assert part.content == CLIP.read_bytes()[100:200]
    assert past.status_code == 416
    with console_mesh.api("demo-account") as appellant:
        assert appellant.get(f"/v1/cases/{case_id}/media").status_code == 403
    with httpx.Client(base_url=console_mesh.url) as anonymous:
        assert anonymous.get(f"/v1/cases/{case_id}/media").status_code == 401


def test_a_known_items_frame_is_an_image_for_reviewers_only(console_mesh: ConsoleMesh) -> None:
    path = f"/console/items/{SAMPLE_BANK}/sample-clip/frames/2.000.jpg"
    with session_client(console_mesh, "ada") as (client, _):
        frame = client.get(path)
        missing = client.get(f"/console/items/{SAMPLE_BANK}/no-such-item/frames/0.000.jpg")
    assert frame.status_code == 200
    assert frame.headers["content-type"] == "image/jpeg"
    assert frame.headers["cache-control"] == "private, no-store"
    assert frame.headers["x-content-type-options"] == "nosniff"
    assert "img-src 'self' data:" in frame.headers["content-security-policy"]
    assert frame.content.startswith(b"\xff\xd8")
    assert missing.status_code == 404
    assert "not in bank" in missing.text
    # An appellant may see their own case, never the known items it matched.
    with session_client(console_mesh, "demo-account") as (client, _):
        assert client.get(path).status_code == 403
    with httpx.Client(base_url=console_mesh.url) as anonymous:
        assert anonymous.get(path).status_code == 401
