// The player page: wires the runner, the retry queue, voice, beeps and the wake lock
// to the DOM. Scheduling is by absolute deadlines (see runner.js): each wake-up is set
// for the next whole second of session time, never by adding up per-tick sleeps.

import { ApiError, PlayerApi } from "./api.js";
import {
  announcement, clockText, counters, kindLabel, minutesText, nextText, sideLabel, stateOf,
} from "./format.js";
import { bindKeys, bindSwitches } from "./controls.js";
import { Beeper, Voice, WakeLock } from "./media.js";
import { offlineAnswer, sameSegments } from "./offline.js";
import { MemoryStorage, newSaveKey, QUEUE_KEY, RetryQueue, resumeIndex } from "./queue.js";
import { SessionRunner, scaledClock } from "./runner.js";
import {
  $, errorText, fillList, needsScreen, fillRoutines, scale, setText, show, showReady, showResume,
} from "./views.js";

const config = JSON.parse($("player-config").textContent);
const storage = (() => {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked: the queue still sends, it only cannot outlive the tab
  }
})();
const api = new PlayerApi(config.api);
const queue = new RetryQueue(storage ?? new MemoryStorage(), QUEUE_KEY, (item) =>
  api.sendItem(item, lateAnswer),
);
const clock = scaledClock(config.time_scale);
const voice = new Voice();
const beeper = new Beeper();
const wake = new WakeLock(window, (state) => setText($("wake-state"), WAKE_TEXT[state]));
const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
const WAKE_TEXT = {
  on: "Screen stays on",
  off: "Screen lock: off",
  lost: "Screen lock lost",
  denied: "Screen may sleep (not allowed)",
  unsupported: "Screen may sleep (not supported)",
};
const MESSAGE_MS = 6000;

let session = null; // the API's session object
let runner = null;
let timer = null;
let messageTimer = null;
let pendingMessage = ""; // a rule message still to be announced with the next cue
let outcome = { completed: null, message: "" };
let resuming = null; // the unfinished session the start form's check-in is for

// ---- playing ---------------------------------------------------------------------------

function play(active, startIndex) {
  session = active;
  outcome = { completed: null, message: "" };
  const segments = active.timeline.segments;
  setText($("play-routine"), active.timeline.routine_name);
  show("play");
  if (startIndex >= segments.length) return finish(true);
  runner = new SessionRunner(segments, clock, startIndex);
  beeper.unlock(); // inside the click that started playback, as browsers require
  wake.acquire();
  runner.start();
  tick();
}

function tick() {
  clearTimeout(timer);
  if (!runner) return;
  for (const event of runner.poll()) handle(event);
  if (!runner || runner.finished) return;
  render();
  const deadline = runner.nextDeadline();
  // setTimeout, not requestAnimationFrame: it still fires (throttled) in a hidden tab,
  // so segments keep being saved; the absolute deadline absorbs any lateness.
  if (deadline !== null) timer = setTimeout(tick, clock.delayMs(deadline) + 1);
}

function handle(event) {
  if (event.type === "started") {
    const s = event.segment;
    // A rule's message that came with this change is read out with the new cue,
    // so the next cue does not overwrite it before a screen reader speaks it.
    setText($("player-live"), [pendingMessage, announcement(s)].filter(Boolean).join(" "));
    pendingMessage = "";
    voice.say(s.spoken);
    const figure = $("play-figure");
    const src = `${config.api}/figures/${encodeURIComponent(s.exercise_id)}.svg${reducedMotion ? "?still=1" : ""}`;
    if (figure.getAttribute("src") !== src) {
      figure.alt = `Figure: ${s.exercise_name}`;
      figure.src = src; // shown once it loads (see the listeners below)
    }
  } else if (event.type === "beep") {
    beeper.beep(event.remaining === 1);
  } else if (event.type === "ended") {
    save(event.segment.index, event.outcome, event.elapsed);
  } else if (event.type === "adapted" && event.message) {
    flash(event.message);
  } else if (event.type === "finished") {
    finish(event.completed);
  }
}

function render() {
  const s = runner.current;
  if (!s) return;
  const paused = runner.isPaused;
  $("player").dataset.state = paused ? "paused" : stateOf(s.kind);
  setText($("play-kind"), paused ? `Paused · ${kindLabel(s.kind)}` : kindLabel(s.kind));
  setText($("play-side"), sideLabel(s.side));
  const count = clockText(runner.remaining);
  setText($("play-count"), count);
  $("play-count").classList.toggle("long", count.length > 2);
  setText($("play-text"), s.text);
  const cap = s.effort_cap ? `Up to ${s.effort_cap}% effort` : "";
  setText($("play-counters"), [counters(s), cap].filter(Boolean).join(" · "));
  setText($("play-cue"), s.cue);
  setText($("play-next"), nextText(runner.upcoming));
  const percent = Math.round(runner.fraction * 100);
  $("play-progress-fill").style.width = `${percent}%`;
  $("play-progress").setAttribute("aria-valuenow", String(percent));
  setText($("play-elapsed"), minutesText(runner.position));
  setText($("play-total"), minutesText(runner.totalSeconds));
  const pause = $("btn-pause");
  setText(pause, paused ? "Resume" : "Pause");
  pause.setAttribute("aria-pressed", String(paused));
}

function flash(message) {
  const box = $("play-message");
  box.textContent = message;
  box.hidden = false;
  setText($("player-live"), message);
  pendingMessage = message;
  voice.say(message);
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => (box.hidden = true), MESSAGE_MS);
}

// ---- saving ----------------------------------------------------------------------------

async function save(index, result, elapsed) {
  const item = {
    session_id: session.session_id,
    index,
    outcome: result,
    elapsed_seconds: Math.round(elapsed * 10) / 10,
    save_key: newSaveKey(), // the same on every retry of this save: it counts once
  };
  showSaved(await queue.push(item));
}

function showSaved(result) {
  const el = $("save-state");
  if (result.offline) setText(el, `Offline: ${result.left} step(s) kept on this device, sent when back.`);
  else setText(el, queue.dropped.length ? "Some steps were refused by the server." : "");
}

window.addEventListener("online", () => queue.flush().then(showSaved));

// ---- commands --------------------------------------------------------------------------

const commands = {
  pause: () => runner.togglePause(),
  next: () => runner.skip(),
  back: () => runner.back(),
  quit: () => runner.quit(),
};

function command(name) {
  if (!runner || runner.finished) return;
  commands[name]();
  if (name === "pause" && runner.isPaused) voice.stop();
  tick();
}

async function symptom(kind) {
  if (!runner || runner.finished || !runner.current) return;
  const index = runner.index;
  const buttons = document.querySelectorAll("[data-symptom]");
  buttons.forEach((b) => (b.disabled = true));
  try {
    const flushed = await queue.flush(); // the server checks the plan against what is saved
    if (flushed.offline) throw new TypeError("offline");
    const answer = await api.symptom(session.session_id, kind, index, session.fingerprint);
    apply(answer.timeline.segments, answer.message, answer.end_session);
    session.timeline = answer.timeline;
    session.fingerprint = answer.fingerprint;
    session.offline = answer.offline ?? {};
  } catch (error) {
    if (error instanceof ApiError) flash(error.message); // the server answered: it said no
    else await symptomOffline(kind, index);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    tick();
  }
}

function apply(segments, message, endSession) {
  if (endSession) {
    outcome.message = message;
    flash(message);
    runner.quit();
  } else {
    runner.replaceRemaining(segments, message);
  }
}

/** The server cannot be reached: play what the rules said ahead of time, and keep the
 * report to send once it can be. With nothing worked out ahead, stop: always safe. */
async function symptomOffline(kind, index) {
  const answer = offlineAnswer(session, kind, index);
  await queue.push({
    type: "symptom", session_id: session.session_id, symptom: kind, segment_index: index,
    fingerprint: session.fingerprint,
  }).then(showSaved);
  session.fingerprint = null; // the device's timeline now; the server confirms it later
  session.offline = {};
  if (answer) {
    session.timeline = { ...session.timeline, segments: answer.segments };
    apply(answer.segments, `${answer.message} (Offline: this report is sent when hipcoach can be reached.)`, answer.endSession);
    return;
  }
  apply([], "hipcoach cannot be reached, so the session stops here to be safe. Rest; the report is sent once it can be.", true);
}

/** What the server said of a report this device kept while offline. */
function lateAnswer(item, answer) {
  if (!answer || !session || item.session_id !== session.session_id) return;
  const waiting = queue.items().some((i) => i.type === "symptom" && i !== item && i.session_id === item.session_id);
  if (!waiting) {
    session.fingerprint = answer.fingerprint;
    session.offline = answer.offline ?? {};
  }
  if (runner && !runner.finished && !waiting && !sameSegments(answer.timeline.segments, runner.segments)) {
    // The server's rules decide: if they came out differently, play theirs from here.
    session.timeline = answer.timeline;
    apply(answer.timeline.segments, answer.message, answer.end_session);
  }
}

async function finish(completed) {
  clearTimeout(timer);
  outcome.completed = completed;
  wake.release();
  // A rule that ended the session speaks first and loudest: it says what to do next.
  $("checkout-alert").textContent = outcome.message;
  $("checkout-alert").hidden = !outcome.message;
  const lead = [completed ? "Well done: the session is complete." : "Session stopped."];
  // Queued behind the segments, so it is sent (from any page) once the server answers.
  const sent = await queue.push({ type: "finish", session_id: session.session_id, completed });
  if (sent.offline) lead.push("Saved on this device; it is sent when hipcoach can be reached.");
  $("checkout-lead").textContent = lead.filter(Boolean).join(" ");
  show("checkout");
}

// ---- wiring ----------------------------------------------------------------------------

// A figure that fails to load leaves no broken image behind; the words carry the cue.
$("play-figure").addEventListener("load", (e) => (e.target.hidden = false));
$("play-figure").addEventListener("error", (e) => (e.target.hidden = true));
$("btn-pause").addEventListener("click", () => command("pause"));
$("btn-next").addEventListener("click", () => command("next"));
$("btn-back").addEventListener("click", () => command("back"));
$("btn-quit").addEventListener("click", () => command("quit"));
for (const button of document.querySelectorAll("[data-symptom]")) {
  button.addEventListener("click", () => symptom(button.dataset.symptom));
}

bindKeys(() => !$("view-play").hidden, { command, symptom });
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") tick();
});

bindSwitches(storage, { voice, beeps: beeper });
setText($("wake-state"), WAKE_TEXT[wake.state]);

$("start-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const error = $("start-error");
  error.textContent = "";
  $("start-screen-link").hidden = true;
  try {
    const checkin = config.checkin ? { ...config.checkin } : {};
    if (!config.checkin) {
      const pain = scale($("start-pain"), "Pain");
      if (pain !== null) checkin.pain_now = pain;
      if ($("start-morning").value) checkin.morning_after = $("start-morning").value;
      const signs = [...document.querySelectorAll("input[name=warning_sign]:checked")];
      if (signs.length) checkin.warning_signs = signs.map((box) => box.value);
    }
    $("start-button").disabled = true;
    // Resuming passes the same gate as starting: the check-in may ease or stop the rest.
    const started = resuming
      ? await api.resume(resuming.session_id, checkin)
      : await api.start($("start-routine").value, checkin);
    session = started;
    showReady(started);
  } catch (err) {
    error.textContent = errorText(err);
    $("start-screen-link").hidden = !needsScreen(err);
  } finally {
    $("start-button").disabled = false;
  }
});
$("begin-button").addEventListener("click", () => play(session, resumeIndex(session, queue.items())));
$("resume-button").addEventListener("click", () => {
  resuming = session;
  $("start-title").textContent = "Check in, then carry on";
  document.querySelector("label[for=start-routine]").hidden = true;
  $("start-routine").hidden = true;
  $("start-button").textContent = "Carry on";
  if (config.checkin) $("start-form").requestSubmit(); // Today asked already
  else show("start");
});
$("resume-new").addEventListener("click", () => {
  resuming = null;
  show("start");
});

$("checkout-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const error = $("checkout-error");
  error.textContent = "";
  try {
    const pain = scale($("checkout-pain"), "Pain");
    const effort = scale($("checkout-effort"), "Effort");
    if (pain !== null || effort !== null) {
      showSaved(await queue.push({ type: "checkout", session_id: session.session_id, pain, effort }));
    }
    summary(pain, effort);
  } catch (err) {
    error.textContent = errorText(err);
  }
});
$("checkout-skip").addEventListener("click", () => summary(null, null));

/** The check-in Today gathered: shown, not asked again. */
function showCheckin(checkin) {
  if (!checkin) return;
  $("start-checkin").hidden = true;
  const parts = [];
  if (checkin.pain_now !== undefined) parts.push(`pain ${checkin.pain_now} of 10`);
  if (checkin.morning_after) parts.push(`the morning after: ${checkin.morning_after}`);
  $("start-checkin-given").textContent = `Your check-in from Today: ${parts.join(", ")}.`;
  $("start-checkin-given").hidden = false;
}

function summary(pain, effort) {
  const t = session.timeline;
  const played = runner ? runner.position : 0;
  $("summary-title").textContent = outcome.completed ? "Session complete" : "Session saved";
  const total = minutesText(runner?.totalSeconds ?? t.total_seconds);
  $("summary-text").textContent = outcome.completed
    ? `${t.routine_name}: all ${total} done.`
    : `${t.routine_name}: stopped at ${minutesText(played)} of ${total}.`;
  const lines = [];
  if (outcome.message) lines.push(outcome.message);
  if (pain !== null) lines.push(`Pain after: ${pain} of 10`);
  if (effort !== null) lines.push(`Effort: ${effort} of 10`);
  if (queue.size) lines.push(`${queue.size} item(s) still on this device; they are sent when hipcoach can be reached.`);
  fillList($("summary-list"), lines);
  show("summary");
}

async function init() {
  fillRoutines($("start-routine"), config);
  showCheckin(config.checkin);
  await queue.flush().catch(() => null);
  try {
    if (config.session) {
      // A link to a session still passes the gate: it is offered, and resuming checks in.
      const found = await api.session(config.session);
      if (found.resumable && resumeIndex(found, queue.items()) < found.timeline.segments.length) {
        session = found;
        return showResume(found, resumeIndex(found, queue.items()));
      }
    }
    const current = await api.current();
    if (current && resumeIndex(current, queue.items()) < current.timeline.segments.length) {
      session = current;
      return showResume(current, resumeIndex(current, queue.items()));
    }
  } catch (err) {
    $("start-error").textContent = errorText(err);
  }
  show("start");
}

init();
