// audioessay studio: plain JavaScript, no build step. Every change is a JSON POST carrying the
// page's CSRF token and the hash of the file as the page last saw it (409: changed on disk).
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const player = document.getElementById("player");
const notice = document.getElementById("notice");
const episode = document.querySelector("section.episode");

function say(message, kind) {
  notice.textContent = message;
  notice.className = kind || "error";
  notice.hidden = !message;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-Studio-CSRF": csrf},
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) {
    const error = new Error(data.error || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function explain(error) {
  if (error.status === 409) {
    say(error.message + " ", "error");
    const link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = "Reload";
    notice.append(link);
  } else {
    say(error.message, "error");
  }
}

// ------------------------------------------------------------------ listening

let cues = [];  // [start, end, line] of the episode being played
let playing = null;  // the row highlighted as being said

function highlight(row) {
  if (playing === row) return;
  if (playing) playing.classList.remove("current");
  playing = row;
  if (row) {
    row.classList.add("current");
    const follow = document.getElementById("follow");
    if (!follow || follow.checked) row.scrollIntoView({block: "center", behavior: "smooth"});
  }
}

function takeUrl(row) {
  const params = new URLSearchParams({line: row.dataset.line, h: episode.dataset.hash});
  return `/e/${episode.dataset.slug}/take?${params}`;
}

async function playLine(row) {
  cues = [];
  highlight(row);
  row.classList.add("loading");
  player.src = takeUrl(row);
  try {
    await player.play();
    const mark = row.querySelector(".cached-mark");
    if (mark) mark.textContent = "●";
  } catch (error) {
    // The audio element hides the server's message: ask again to show it.
    const response = await fetch(takeUrl(row), {credentials: "same-origin"});
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      explain(Object.assign(new Error(data.error || "could not play the sentence"), {status: response.status}));
    } else if (error.name !== "AbortError") {
      say("the browser could not play the take: " + error.message);
    }
  } finally {
    row.classList.remove("loading");
  }
}

function lineAt(seconds) {
  let low = 0, high = cues.length - 1, found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (cues[mid][0] <= seconds) { found = mid; low = mid + 1; } else { high = mid - 1; }
  }
  return found >= 0 ? cues[found][2] : 0;
}

async function playEpisode() {
  const response = await fetch(`/e/${episode.dataset.slug}/cues`, {credentials: "same-origin"});
  const data = await response.json().catch(() => ({cues: []}));
  player.src = `/e/${episode.dataset.slug}/audio`;
  cues = data.cues || [];
  player.play().catch((error) => say("the episode could not be played: " + error.message));
}

player.addEventListener("timeupdate", () => {
  if (!cues.length) return;
  const line = lineAt(player.currentTime);
  if (line) highlight(document.getElementById("l" + line));
});
player.addEventListener("ended", () => { if (cues.length) highlight(null); });

function stop() {
  player.pause();
  highlight(null);
}

// ------------------------------------------------------------------ editing

function rowOf(element) { return element.closest("li.line"); }

async function change(body, {reload = false} = {}) {
  const data = await post(`/e/${episode.dataset.slug}/edit`, {...body, hash: episode.dataset.hash});
  episode.dataset.hash = data.hash;
  setState(data);
  if (reload) location.reload();
  return data;
}

function setState(data) {
  const badge = document.getElementById("state");
  badge.textContent = data.state;
  badge.className = "badge " + data.state;
  if (data.withdrew) say("The script was approved: this edit withdrew the approval (status: edited). Approve it again when it reads right.", "info");
}

function startEdit(row) {
  if (row.querySelector("input.edit")) return;
  const text = row.querySelector(".spoken .text");
  const input = document.createElement("input");
  input.className = "edit";
  input.value = text.textContent;
  input.setAttribute("aria-label", `Spoken form of line ${row.dataset.line}`);
  text.hidden = true;
  text.after(input);
  input.focus();
  input.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      input.remove();
      text.hidden = false;
      row.focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      await saveEdit(row, input);
    }
  });
}

async function saveEdit(row, input) {
  input.disabled = true;
  try {
    const data = await change({op: "replace", line: Number(row.dataset.line), text: input.value});
    const holder = document.createElement("template");
    holder.innerHTML = data.row.trim();
    const fresh = holder.content.firstElementChild;
    row.replaceWith(fresh);
    fresh.focus();
    say("");
    await playLine(fresh);  // hear the new spoken form at once: only this take is narrated
  } catch (error) {
    input.disabled = false;
    input.focus();
    explain(error);
  }
}

function askSeconds(row, initial, onSave) {
  const input = document.createElement("input");
  input.type = "number"; input.min = "0.001"; input.max = "60"; input.step = "0.1";
  input.value = initial; input.className = "seconds";
  input.setAttribute("aria-label", "Pause length in seconds (Enter saves)");
  row.querySelector(".tools").prepend(input);
  input.focus();
  input.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") { event.stopPropagation(); input.remove(); }
    if (event.key !== "Enter") return;
    event.preventDefault();
    try { await onSave(Number(input.value)); } catch (error) { explain(error); }
  });
}

async function onAction(button) {
  const row = rowOf(button);
  const line = Number(row.dataset.line);
  const action = button.dataset.action;
  try {
    if (action === "play") await playLine(row);
    else if (action === "edit") startEdit(row);
    else if (action === "add-pause") askSeconds(row, 1, (s) => change({op: "insert-pause", line, seconds: s}, {reload: true}));
    else if (action === "edit-pause") askSeconds(row, row.dataset.seconds, (s) => change({op: "pause", line, seconds: s}, {reload: true}));
    else if (action === "delete") await change({op: "delete", line}, {reload: true});
  } catch (error) {
    explain(error);
  }
}

// ------------------------------------------------------------------ keyboard

function sentences() { return [...document.querySelectorAll("li.sentence")]; }

function move(step, only) {
  const rows = only ? sentences().filter(only) : sentences();
  if (!rows.length) return;
  const at = rows.indexOf(document.activeElement.closest ? document.activeElement.closest("li.sentence") : null);
  const next = rows[at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step))];
  next.focus();
  next.scrollIntoView({block: "nearest"});
}

function onKey(event) {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const row = event.target.closest ? event.target.closest("li.sentence") : null;
  const keys = {
    j: () => move(1), k: () => move(-1), n: () => move(1, (r) => r.classList.contains("attention")),
    p: () => row && playLine(row), e: () => row && startEdit(row), Escape: stop,
    Enter: () => row && event.target === row && playLine(row),
  };
  if (keys[event.key]) {
    if (event.key === "Enter" && !(row && event.target === row)) return;
    event.preventDefault();
    keys[event.key]();
  }
}

// ------------------------------------------------------------------ jobs

const jobStatus = document.getElementById("job-status");
const jobProgress = document.getElementById("job-progress");

function showJob(job) {
  if (!job) return;
  jobStatus.textContent = `${job.kind}: ${job.stage}` + (job.total ? ` ${job.done}/${job.total}` : "") +
    (job.message ? ` (${job.message})` : "");
  jobProgress.hidden = job.finished;
  jobProgress.max = job.total || 1;
  jobProgress.value = job.done;
}

async function watchJob() {
  for (;;) {
    const data = await (await fetch("/jobs/current", {credentials: "same-origin"})).json();
    showJob(data.job);
    if (!data.job || data.job.finished) {
      if (data.job && data.job.stage === "failed") say(data.job.message);
      return data.job;
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
  }
}

async function startJob(kind) {
  try {
    showJob((await post("/jobs", {kind})).job);
    const job = await watchJob();
    if (job && job.stage === "done" && !episode) location.reload();
  } catch (error) {
    explain(error);
  }
}

// ------------------------------------------------------------------ pronunciations

const lexicon = document.querySelector("section.lexicon");

function lexiconEntry() {
  const form = document.getElementById("lexicon-form");
  return {word: form.word.value, value: form.value.value};
}

async function previewEntry() {
  const box = document.getElementById("lexicon-changes");
  try {
    const data = await post("/lexicon/preview", lexiconEntry());
    box.replaceChildren();
    const title = document.createElement("h2");
    title.textContent = data.changes.length ? `${data.changes.length} sentences change` : "No sentence changes";
    box.append(title);
    const list = document.createElement("ul");
    for (const item of data.changes) {
      const li = document.createElement("li");
      const where = document.createElement("a");
      where.href = `/e/${item.slug}` + (item.line ? `#l${item.line}` : "");
      where.textContent = item.title + (item.line ? `, line ${item.line}` : ", not in the script as written (edited?)");
      const written = document.createElement("div"); written.className = "written"; written.textContent = item.written;
      const before = document.createElement("del"); before.textContent = item.before;
      const after = document.createElement("ins"); after.textContent = item.after;
      li.append(where, written, before, document.createElement("br"), after);
      list.append(li);
    }
    box.append(list);
  } catch (error) {
    explain(error);
  }
}

async function saveEntry(event) {
  event.preventDefault();
  try {
    const data = await post("/lexicon", {...lexiconEntry(), hash: lexicon.dataset.hash});
    lexicon.dataset.hash = data.hash;
    location.reload();
  } catch (error) {
    explain(error);
  }
}

// ------------------------------------------------------------------ wiring

document.addEventListener("keydown", onKey);
for (const button of document.querySelectorAll("[data-job]")) button.addEventListener("click", () => startJob(button.dataset.job));
if (document.querySelector(".jobs").dataset.running === "yes") watchJob();

if (episode) {
  document.querySelector("ol.script").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) onAction(button);
  });
  const playAll = document.getElementById("play-episode");
  if (playAll) playAll.addEventListener("click", playEpisode);
  document.getElementById("stop").addEventListener("click", stop);
  const next = document.getElementById("next-attention");
  if (next) next.addEventListener("click", () => move(1, (r) => r.classList.contains("attention")));
  document.getElementById("approve").addEventListener("click", async () => {
    try {
      setState(await post(`/e/${episode.dataset.slug}/approve`, {hash: episode.dataset.hash}).then((d) => { episode.dataset.hash = d.hash; return d; }));
      say("Approved: render will narrate exactly this text.", "info");
    } catch (error) { explain(error); }
  });
  const regenerate = document.getElementById("regenerate");
  if (regenerate) regenerate.addEventListener("click", async () => {
    try {
      await post(`/e/${episode.dataset.slug}/regenerate`, {hash: episode.dataset.hash});
      location.reload();
    } catch (error) { explain(error); }
  });
}

if (lexicon) {
  document.getElementById("lexicon-preview").addEventListener("click", previewEntry);
  document.getElementById("lexicon-form").addEventListener("submit", saveEntry);
  for (const button of document.querySelectorAll('[data-action="pick"]')) {
    button.addEventListener("click", () => {
      const form = document.getElementById("lexicon-form");
      form.word.value = button.dataset.word;
      form.value.value = button.dataset.value;
      form.value.focus();
    });
  }
}
