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
  const players = document.querySelectorAll(".evidence");
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
  const players = Array.from(document.querySelectorAll(".evidence"));
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
  setupReasons();
  setupShortcuts();
  setupSignIn();
});
