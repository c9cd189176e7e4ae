// The console's only script (its Content-Security-Policy admits no other): the review
// timer, SLA countdowns, the player's veil, transcript and player kept in step, reason
// templates and keyboard shortcuts. Pages work without it, except the player's sync.
"use strict";

function minutes(ms) {
  const total = Math.max(0, Math.floor(ms / 60000));
  const hours = Math.floor(total / 60);
  return hours ? `${hours} h ${total % 60} min` : `${total} min`;
}

function startTimers() {
  const signedIn = Number(document.body.dataset.signedInAt || 0) * 1000;
  const timer = document.getElementById("reviewing-for");
  const countdowns = document.querySelectorAll("time.countdown");
  function tick() {
    if (timer && signedIn) timer.textContent = minutes(Date.now() - signedIn);
    for (const node of countdowns) {
      const left = Date.parse(node.getAttribute("datetime")) - Date.now();
      node.textContent = left >= 0 ? `in ${minutes(left)}` : `overdue by ${minutes(-left)}`;
      node.classList.toggle("overdue", left < 0);
    }
  }
  tick();
  setInterval(tick, 15000);
}

// Wellness: media is blurred, greyscale and muted until the reviewer reveals it; each
// reviewer's choice of default is kept in this browser.
function wellnessKey() {
  return `modmesh.wellness.${document.body.dataset.reviewer || ""}`;
}

function setupVeil() {
  const box = document.getElementById("player-box");
  const players = document.querySelectorAll(".evidence-player");
  const button = document.getElementById("reveal");
  const byDefault = document.getElementById("reveal-by-default");
  if (!box || !button) return;
  const state = document.getElementById("veil-state");
  function show(revealed) {
    for (const veilable of document.querySelectorAll(".veilable")) {
      veilable.classList.toggle("veiled", !revealed);
    }
    for (const player of players) player.muted = !revealed;
    button.setAttribute("aria-pressed", String(revealed));
    button.textContent = revealed ? "Veil media" : "Reveal media";
    if (state) state.textContent = revealed ? "Shown as it is, with sound." :
      "Blurred, in greyscale and muted until you reveal it.";
  }
  const stored = localStorage.getItem(wellnessKey()) === "revealed";
  if (byDefault) {
    byDefault.checked = stored;
    byDefault.addEventListener("change", () =>
      localStorage.setItem(wellnessKey(), byDefault.checked ? "revealed" : "veiled"));
  }
  show(stored);
  button.addEventListener("click", () => show(box.classList.contains("veiled")));
}

// The transcript follows the players, and a hit (or a range) moves the player that holds
// its moment to it. A file has one player from second 0; a live stream has a clip per
// flag, each starting at its own stream offset (data-offset) and ending at data-until.
function setupSync() {
  const players = Array.from(document.querySelectorAll(".evidence-player"));
  if (!players.length) return;
  const words = Array.from(document.querySelectorAll("#transcript .word"));
  const offset = (player) => Number(player.dataset.offset || 0);
  const until = (player) => Number(player.dataset.until || Infinity);
  let current = null;
  for (const player of players) {
    player.addEventListener("timeupdate", () => {
      const t = player.currentTime + offset(player);
      const found = words.find((w) => t >= Number(w.dataset.start) && t < Number(w.dataset.end));
      if (found === current) return;
      if (current) current.classList.remove("now");
      if (found) found.classList.add("now");
      current = found || null;
    });
  }
  function seek(seconds) {
    const player = players.find((p) => offset(p) <= seconds && seconds < until(p)) || players[0];
    player.currentTime = Math.max(0, seconds - offset(player));
  }
  for (const button of document.querySelectorAll("[data-seek]")) {
    button.addEventListener("click", () => seek(Number(button.dataset.seek)));
  }
  for (const word of words.filter((w) => w.dataset.hits)) {
    word.addEventListener("click", () => seek(Number(word.dataset.start)));
  }
}

// Frames of this media where it matched a known item, drawn from the media itself by a
// second, hidden player: nothing is rendered on the server.
function drawFrames() {
  const player = document.getElementById("player");
  const canvases = Array.from(document.querySelectorAll("canvas[data-frame-at]"));
  if (!player || !canvases.length) return;
  const reader = document.createElement("video");
  reader.muted = true;
  reader.preload = "auto";
  reader.src = player.currentSrc || player.src;
  let next = 0;
  function seekNext() {
    if (next < canvases.length) reader.currentTime = Number(canvases[next].dataset.frameAt);
  }
  reader.addEventListener("seeked", () => {
    const canvas = canvases[next];
    canvas.getContext("2d").drawImage(reader, 0, 0, canvas.width, canvas.height);
    canvas.dataset.drawn = "true";
    next += 1;
    seekNext();
  });
  reader.addEventListener("loadeddata", seekNext, { once: true });
}

// The live wall: flags and stream states arrive as server-sent events; every value is
// set as text, never parsed as markup. A flag's clip is kept once the audio after its
// hit has arrived, so a clip that is not there yet is asked for again.
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clipPlayer(url, label) {
  const audio = el("audio", "clip");
  audio.controls = true;
  audio.preload = "metadata";
  audio.src = url;
  audio.setAttribute("aria-label", label);
  let tries = 0;
  audio.addEventListener("error", () => {
    if (++tries <= 30) setTimeout(() => audio.load(), 2000);
  });
  return audio;
}

function flagItem(flag) {
  const item = el("li", "flag");
  item.dataset.flag = flag.flag_id;
  item.append(el("strong", "term", flag.term), " heard as ", el("q", "", flag.heard),
    " in ", el("span", "stream-id", flag.stream_id), ` at ${flag.at} (${flag.list}) `);
  if (flag.case_id) {
    const link = el("a", "", "case");
    link.href = `/console/cases/${encodeURIComponent(flag.case_id)}`;
    item.append(link, " ");
  }
  if (flag.clip) item.append(clipPlayer(flag.clip, `Clip of ${flag.term} in ${flag.stream_id}`));
  return item;
}

function streamItem(stream) {
  const item = el("li", "stream");
  item.dataset.stream = stream.stream_id;
  const state = stream.on_air ? "on air" : (stream.ended ? "ended" : "disconnected");
  item.append(el("strong", "", stream.stream_id),
    ` by ${stream.account_id} · ${state} · ${stream.moderated} moderated · ` +
    `${stream.flags} flag${stream.flags === 1 ? "" : "s"}`);
  if (stream.case_id) {
    const link = el("a", "", `case ${stream.case_id.slice(0, 8)}`);
    link.href = `/console/cases/${encodeURIComponent(stream.case_id)}`;
    item.append(" · ", link);
  }
  const csrf = document.getElementById("live-wall").dataset.csrf;
  if (csrf && stream.case_id && !stream.ended) item.append(endStreamForm(stream, csrf));
  return item;
}

// What the page renders for a moderator beside a stream that is not over.
function endStreamForm(stream, csrf) {
  const form = el("form", "end-stream");
  form.method = "post";
  form.action = `/console/live/${encodeURIComponent(stream.case_id)}/end`;
  const token = el("input");
  Object.assign(token, { type: "hidden", name: "csrf", value: csrf });
  const id = `end-${stream.stream_id}`;
  const label = el("label", "visually-hidden", `Policy for ending ${stream.stream_id}`);
  label.htmlFor = id;
  const reason = el("input");
  Object.assign(reason, { id, name: "reason", required: true, maxLength: 2000,
    placeholder: "Policy broken" });
  const button = el("button", "", "End stream");
  button.type = "submit";
  form.append(token, label, reason, button);
  return form;
}

function setupLiveWall() {
  const wall = document.getElementById("live-wall");
  if (!wall || !window.EventSource) return;
  const flags = document.getElementById("flags");
  const streams = document.getElementById("streams");
  const status = document.getElementById("live-status");
  const events = new EventSource(`/console/live/events?after=${wall.dataset.cursor}`);
  events.addEventListener("flag", (event) => {
    const flag = JSON.parse(event.data);
    flags.prepend(flagItem(flag));
    status.textContent = `New flag: ${flag.term} in ${flag.stream_id}`;
  });
  events.addEventListener("streams", (event) => {
    const list = JSON.parse(event.data);
    const items = list.map(streamItem);
    streams.replaceChildren(...(items.length ? items : [el("li", "none", "No stream is being moderated.")]));
  });
  events.addEventListener("error", () => {
    status.textContent = "Reconnecting to the live feed…";
  });
}

function setupReasons() {
  const templates = document.getElementById("reason-template");
  const reason = document.getElementById("reason");
  if (!templates || !reason) return;
  templates.addEventListener("change", () => {
    if (templates.value) reason.value = templates.value;
  });
}

// Single keys press the button that names them (data-key), unless the reviewer is
// typing; the player toggles with the space bar as players do.
function setupShortcuts() {
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const button = document.querySelector(`button[data-key="${CSS.escape(event.key)}"]`);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
}

// `make demo` prints a sign-in link whose credential rides in the fragment, which the
// browser never sends to a server (so it lands in no log): sign in with it and forget it.
function setupSignIn() {
  const form = document.getElementById("sign-in");
  if (!form || !location.hash.startsWith("#credential=")) return;
  const credential = decodeURIComponent(location.hash.slice("#credential=".length));
  history.replaceState(null, "", location.pathname);
  form.elements.credential.value = credential;
  form.submit();
}

document.addEventListener("DOMContentLoaded", () => {
  startTimers();
  setupVeil();
  setupSync();
  drawFrames();
  setupLiveWall();
  setupReasons();
  setupShortcuts();
  setupSignIn();
});
