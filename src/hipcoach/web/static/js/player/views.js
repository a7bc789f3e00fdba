// The page's non-playing views: resume offer, start form, ready list, check-out and
// summary. Small DOM helpers shared with main.js live here too.

import { changeLines, minutesText } from "./format.js";

export const $ = (id) => document.getElementById(id);

/** Show one view and hide the others; focus its heading so screen readers follow. */
export function show(name) {
  for (const view of document.querySelectorAll(".player-view")) {
    view.hidden = view.id !== `view-${name}`;
  }
  const heading = document.querySelector(`#view-${name} h1`);
  if (heading && name !== "play") {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

/** Set text only when it changed: the countdown redraws often. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function fillList(ul, lines) {
  ul.replaceChildren(
    ...lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }),
  );
}

/** A form field as a whole number, null when empty; throws with a message when invalid. */
export function scale(input, what) {
  const raw = input.value.trim();
  if (raw === "") return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 10) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
    throw new Error(`${what} must be a whole number from 0 to 10.`);
  }
  input.removeAttribute("aria-invalid");
  return value;
}

/** Fill the routine select: today's plan first (the server picks it), then every routine. */
export function fillRoutines(select, config) {
  const options = [];
  if (config.plan_routine) {
    const planned = config.routines.find((r) => r.id === config.plan_routine);
    options.push(new Option(`Today's plan: ${planned ? planned.name : config.plan_routine}`, ""));
  }
  for (const r of config.routines) {
    options.push(new Option(`${r.name} (${minutesText(r.total_seconds)})`, r.id));
  }
  select.replaceChildren(...options);
  select.value = config.routine ?? (config.plan_routine ? "" : config.default_routine);
}

/** The resume offer for an unfinished session. */
export function showResume(session, waitingIndex) {
  const t = session.timeline;
  const left = t.segments.length - waitingIndex;
  $("resume-text").textContent =
    `${t.routine_name}: ${waitingIndex} of ${t.segments.length} steps done, ` +
    `${left} to go (${minutesText(t.total_seconds - (t.segments[waitingIndex]?.start ?? t.total_seconds))} left).`;
  show("resume");
}

/** The screen before the first second: what plays and every change the rules made. */
export function showReady(session) {
  const t = session.timeline;
  $("ready-summary").textContent =
    `${t.routine_name}: ${t.segments.length} steps, ${minutesText(t.total_seconds)} in all.`;
  const changes = changeLines(session.changes);
  fillList($("ready-changes"), changes.length ? changes : ["No changes today."]);
  fillList($("ready-notes"), session.notes ?? []);
  show("ready");
}

/** An API error as a sentence plus its reasons (a refused start lists why). */
export function errorText(error) {
  const reasons = (error.reasons ?? []).map((r) => (typeof r === "string" ? r : r.reason ?? ""));
  const fresh = reasons.filter((r) => r && !error.message.includes(r));
  return [error.message, ...fresh].join("\n");
}

/** Whether an error is the readiness screen's refusal (the page then links to it). */
export function needsScreen(error) {
  return error.status === 403 && (error.reasons ?? []).some((r) => String(r).includes("(screen."));
}
