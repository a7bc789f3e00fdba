// What the player shows for a segment, in words: pure functions node can test.
//
// The state is always said in words as well as shown in colour, so nobody needs to
// tell colours apart to know whether to work, rest or change sides.

const KIND_LABELS = {
  get_ready: "Get ready",
  setup: "Set up",
  hold: "Hold",
  rep: "Reps",
  rest: "Rest",
  switch_sides: "Switch sides",
  transition: "Move",
};

/** The word for a segment's kind ("Get ready", "Hold", "Switch sides", ...). */
export function kindLabel(kind) {
  return KIND_LABELS[kind] ?? "Next";
}

/** The visual state a segment puts the page in: work, ready, switch, rest or move. */
export function stateOf(kind) {
  if (kind === "hold" || kind === "rep" || kind === "setup") return "work";
  if (kind === "get_ready") return "ready";
  if (kind === "switch_sides") return "switch";
  if (kind === "rest") return "rest";
  return "move";
}

/** "RIGHT leg in front" (the side the 90/90 seat has the front leg on). */
export function sideLabel(side) {
  return side ? `${String(side).toUpperCase()} leg in front` : "";
}

/** "Round 2 of 3", "Rep 4 of 8", or both joined; "" when the segment counts nothing. */
export function counters(segment) {
  const parts = [];
  if (segment.rounds && segment.rounds > 1) parts.push(`Round ${segment.round} of ${segment.rounds}`);
  if (segment.reps) parts.push(`Rep ${segment.rep} of ${segment.reps}`);
  return parts.join(" · ");
}

/** Whole seconds as the countdown shows them: "45", or "1:05" from a minute up. */
export function clockText(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return String(s);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "12:30" style minutes and seconds for totals. */
export function minutesText(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "Next: Hold, ER press (10 s)" or "Next: the end" for the last segment. */
export function nextText(segment) {
  if (!segment) return "Next: the end of the session";
  const what = segment.kind === "switch_sides" ? sideLabel(segment.side) : segment.exercise_name;
  return `Next: ${kindLabel(segment.kind)}, ${what} (${segment.duration} s)`;
}

/** The sentence the live region announces when a segment starts: the cue with the side. */
export function announcement(segment) {
  const side = sideLabel(segment.side);
  const count = counters(segment);
  return [segment.text, side, count, segment.cue].filter(Boolean).join(". ");
}

/** The changes a start or a symptom made, as "reason (rule id)" lines. */
export function changeLines(changes) {
  return (changes ?? []).map((c) => (c.rule_id ? `${c.reason} (${c.rule_id})` : c.reason));
}
