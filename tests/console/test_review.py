"""A reviewer clears the sample case in the browser: signs in, finds it in the queue,
claims it, sees the frames that matched a known item beside the item's own, plays it,
jumps to the spoken term, reveals the veiled video, decides, and the case leaves the
queue."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.console.conftest import ConsoleMesh, sign_in
from tests.console.pages import screenshot, wait_until

VEILED = re.compile(r"\bveiled\b")
KNOWN_FRAME = re.compile(r"^The known item's frame at \d+:\d\d\.\d$")


def player_time(page: Page) -> float:
    seconds: float = page.eval_on_selector("#player", "player => player.currentTime")
    return seconds


def image_loaded(page: Page, image: Locator) -> bool:
    """Whether the image has arrived and decoded (a broken one has no natural width)."""
    loaded: bool = image.evaluate("img => img.complete && img.naturalWidth > 0")
    return loaded


def test_a_reviewer_clears_the_sample_case(
    page: Page, console_mesh: ConsoleMesh, sample_case: dict[str, Any]
) -> None:
    case_id = sample_case["case_id"]
    hit = next(h for h in sample_case["term_hits"] if h["term_id"] == "free-gift-card")
    with console_mesh.api("pat") as pat:
        flagged = pat.put(
            "/v1/accounts/demo-account",
            json={"flags": ["repeat-offender"], "reason": "three scams this month"},
        )
        assert flagged.status_code == 200, flagged.text
    sign_in(page, console_mesh, "ada")

    expect(page).to_have_url(f"{console_mesh.url}/console/queue")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=case_id[:8]))
    expect(row).to_contain_text("free gift card")
    expect(row).to_contain_text("demo-account")
    screenshot(page, "queue")

    row.get_by_role("link", name=case_id[:8]).click()
    # Single keys press the buttons that name them: "c" claims (once the page's script,
    # which listens for them, has run).
    page.wait_for_load_state("load")
    page.keyboard.press("c")
    expect(page.get_by_text("Held by")).to_be_visible()
    # Who the account is: its flags, and its earlier cases.
    expect(page.locator("dd").filter(has_text="demo-account")).to_contain_text("repeat-offender")
    expect(page.get_by_role("heading", name="Earlier cases of the account")).to_be_visible()
    # The case's trail, from the audit log: who claimed it.
    expect(page.locator(".trail")).to_contain_text("ada: case.claimed")
    # What the model said, with the examples the words resemble and those they do not.
    scam = next(s for s in sample_case["model_scores"] if s["category"] == "scam")
    expect(page.get_by_role("heading", name="Model scores")).to_be_visible()
    scores = page.locator("ul.scores > li").filter(has=page.get_by_text("scam", exact=True))
    expect(scores).to_contain_text(f"{scam['score']:.2f}")
    expect(scores).to_contain_text(scam["nearest_positives"][0]["text"])
    expect(scores).to_contain_text(scam["nearest_negatives"][0]["text"])

    # The media is veiled (blurred, greyscale, muted) until the reviewer reveals it.
    box = page.locator("#player-box")
    expect(box).to_have_class(VEILED)
    assert page.eval_on_selector("#player", "player => player.muted")
    # The frames that matched the known item are drawn beside it, veiled as well.
    frame = page.locator("canvas.thumb").first
    expect(frame).to_have_attribute("data-drawn", "true")
    expect(frame).to_have_class(VEILED)
    # Beside each, the known item's own frame where it matched (the sample bank's item was
    # added from the same clip, so similarity kept its stills), veiled too.
    known = page.get_by_alt_text(KNOWN_FRAME).first
    wait_until(lambda: image_loaded(page, known), "the known item's frame loads")
    expect(known).to_have_class(VEILED)
    expect(page.get_by_text("frames cannot be shown")).to_have_count(0)

    page.eval_on_selector("#player", "player => player.play()")
    wait_until(lambda: player_time(page) > 0.5, "the player's time advances")

    page.eval_on_selector("#player", "player => player.pause()")
    page.locator("#transcript .hit").first.click()
    start = hit["time_range"]["start_seconds"]
    wait_until(lambda: abs(player_time(page) - start) <= 0.3, "the player seeks to the term")
    # The word being said is highlighted as the player reaches it.
    expect(page.locator("#transcript .word.now")).to_have_count(1)

    page.get_by_role("button", name="Reveal media").click()
    expect(box).not_to_have_class(VEILED)
    expect(frame).not_to_have_class(VEILED)
    expect(known).not_to_have_class(VEILED)
    assert not page.eval_on_selector("#player", "player => player.muted")
    screenshot(page, "case")

    page.get_by_label("Reason templates").select_option(index=1)
    expect(page.get_by_label("Reason", exact=True)).to_have_value(
        'Under the scam policy: "free gift card" was said at '
        + page.locator("button.seek").first.inner_text()
        + "."
    )
    page.get_by_role("button", name="Remove content").click()

    expect(page).to_have_url(f"{console_mesh.url}/console/queue")
    expect(page.get_by_role("link", name=case_id[:8])).to_have_count(0)
    decided = console_mesh.api("ada").get(f"/v1/cases/{case_id}").json()
    assert decided["status"] == "CASE_STATUS_CLOSED"
    assert decided["actions"][-1]["actor"] == "ada"
