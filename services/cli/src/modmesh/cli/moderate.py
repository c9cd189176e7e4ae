"""Uploads a file through the gateway, waits for its case, and prints it."""

from __future__ import annotations

import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

import httpx

#: Case statuses (as the gateway returns them) that mean the analysis is still running.
PENDING = {"CASE_STATUS_PROCESSING"}


class ModerationError(RuntimeError):
    """The gateway refused the upload or the case did not finish in time."""


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return response.text[:500]


def moderate(
    gateway_url: str,
    path: Path,
    *,
    account_id: str,
    content_id: str | None = None,
    timeout: float = 600.0,
    progress: bool = True,
    api_key: str = "",
) -> dict[str, Any]:
    """Submits `path` and returns the finished case as the gateway's JSON."""
    try:
        return _moderate(gateway_url, path, account_id, content_id, timeout, progress, api_key)
    except httpx.TransportError as error:
        raise ModerationError(
            f"cannot reach the gateway at {gateway_url} ({error}); is the mesh running? "
            "Start it with `modmesh up`."
        ) from None


def _moderate(
    gateway_url: str,
    path: Path,
    account_id: str,
    content_id: str | None,
    timeout: float,
    progress: bool,
    api_key: str,
) -> dict[str, Any]:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    form = {"account_id": account_id, "content_id": content_id or path.name}
    headers = {"X-API-Key": api_key} if api_key else {}
    with (
        httpx.Client(base_url=gateway_url, timeout=60, headers=headers) as client,
        path.open("rb") as media,
    ):
        response = client.post("/v1/media", data=form, files={"file": (path.name, media, mime)})
        if response.status_code in (401, 403):
            raise ModerationError(
                f"the gateway refused the credential ({response.status_code}): "
                f"{_error_text(response)}; set MODMESH_API_KEY to a key with the service role"
            )
        if response.status_code != 202:
            raise ModerationError(
                f"upload refused ({response.status_code}): " + _error_text(response)
            )
        submitted = response.json()
        case_id = submitted["case_id"]
        note = (
            " (already submitted before: same media, same source)"
            if submitted.get("duplicate")
            else ""
        )
        _say(progress, f"submitted {path.name} → case {case_id}{note}")
        started = time.monotonic()
        while True:
            reply = client.get(f"/v1/cases/{case_id}")
            if reply.status_code != 200:
                raise ModerationError(f"cannot read case {case_id}: " + _error_text(reply))
            case: dict[str, Any] = reply.json()
            elapsed = time.monotonic() - started
            if case.get("status") not in PENDING:
                _say(progress, f"analysis finished in {elapsed:.1f}s")
                return case
            if elapsed > timeout:
                raise ModerationError(f"case {case_id} still processing after {timeout:.0f}s")
            if progress and sys.stderr.isatty():
                print(f"\r  analysing… {elapsed:5.1f}s", end="", file=sys.stderr, flush=True)
            elif int(elapsed) % 5 == 0 and elapsed - int(elapsed) < 0.5:
                _say(progress, f"  analysing… {elapsed:.0f}s")
            time.sleep(0.5)


def _say(enabled: bool, line: str) -> None:
    if enabled:
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        print(line, file=sys.stderr)


def _enum(value: str, prefix: str) -> str:
    return value.removeprefix(prefix).replace("_", " ").lower() if value else "unspecified"


def _seconds(time_range: dict[str, Any] | None) -> str:
    if not time_range:
        return ""
    return (
        f" at {time_range.get('start_seconds', 0.0):.2f}–{time_range.get('end_seconds', 0.0):.2f}s"
    )


def render_case(case: dict[str, Any]) -> str:
    """A reviewer-readable summary of a case: evidence first, then the reasons."""
    lines = [
        f"Case {case['case_id']}: {_enum(case.get('status', ''), 'CASE_STATUS_').upper()}, "
        f"priority {_enum(case.get('priority', ''), 'PRIORITY_')}",
    ]
    source = case.get("source", {})
    media = case.get("media", {})
    lines.append(
        f"  source: account {source.get('account_id', '?')}, content "
        f"{source.get('content_id', '?')}, media sha256 {media.get('sha256', '?')[:12]}…"
    )
    transcript = case.get("transcript") or {}
    if transcript.get("text"):
        model = transcript.get("model", {})
        lines.append(
            f"  transcript ({transcript.get('language', '?')}, "
            f"{model.get('name', '?')} {model.get('version', '')}):"
        )
        lines.append(f'    "{transcript["text"]}"')
    for speech in transcript.get("untranscribed", []):
        lines.append(
            f"  not transcribed: speech in {speech.get('language', '?')} "
            f"({speech.get('language_probability', 0.0):.2f})"
            f"{_seconds(speech.get('time_range'))}, for a reviewer who speaks it"
        )
    hits = case.get("term_hits", [])
    lines.append(f"  terms found: {len(hits) or 'none'}")
    for hit in hits:
        heard = f'said: "{hit.get("matched_text", "")}"'
        if "sound_confidence" in hit:
            heard = (
                f'by sound only: heard "{hit.get("matched_text", "")}", confidence '
                f"{hit['sound_confidence']:.2f}"
            )
        lines.append(
            f'    - "{hit.get("term")}" from list {hit.get("list_id")} '
            f"v{hit.get('list_version')}, {_enum(hit.get('severity', ''), 'SEVERITY_')} "
            f"{hit.get('category', '')}{_seconds(hit.get('time_range'))} ({heard})"
        )
    matches = case.get("similarity_matches", [])
    lines.append(f"  similar known items: {len(matches) or 'none'}")
    for match in matches:
        ranges = ", ".join(
            f"{r.get('start_seconds', 0.0):.1f}–{r.get('end_seconds', 0.0):.1f}s"
            for r in match.get("query_ranges", [])
        )
        lines.append(
            f"    - {match.get('item_id')} in bank {match.get('bank')}: distance "
            f"{match.get('distance', 0)}, {match.get('query_match_percent', 0.0):.0f}% of "
            f"this media matched ({ranges}) {match.get('label', '')}".rstrip()
        )
    scores = case.get("model_scores", [])
    lines.append(f"  model scores: {len(scores) or case.get('scores_missing') or 'none'}")
    for score in scores:
        window = score.get("window", {})
        lines.append(
            f"    - {score.get('category')} {score.get('score', 0.0):.2f} "
            f"{'≥' if score.get('flagged') else '<'} {score.get('threshold', 0.0):.2f} by "
            f"{score.get('model', {}).get('model')} (set {score.get('set_id')} "
            f"v{score.get('set_version')}), words {window.get('word_start', 0) + 1}–"
            f"{window.get('word_end', 0)}{_seconds(window)}"
        )
        for side, label in (("nearest_positives", "like"), ("nearest_negatives", "unlike")):
            for near in score.get(side, [])[:1]:
                lines.append(
                    f'        {label} "{near.get("text")}" {near.get("similarity", 0.0):.2f}'
                )
    rule = case.get("rule") or {}
    if rule:
        lines.append(f"  rule: {rule.get('rule_id')} v{rule.get('version')}")
    if case.get("error"):
        lines.append(f"  error: {case['error']}")
    if case.get("statement_of_reasons"):
        lines.append("  statement of reasons:")
        lines.extend(f"    {line}" for line in case["statement_of_reasons"].splitlines())
    return "\n".join(lines)
