// A symptom report while the server cannot be reached. The rules never run here: with
// each session the server sends, per symptom, what the rules would do at every segment
// (services/contingency.py). This module only looks that answer up and renumbers the
// segments. DOM-free so node can test it.

/** Segments in order with index, start and end counted afresh from `from`. */
export function renumber(segments, from = 0) {
  let clock = from > 0 ? segments[from - 1].end : 0;
  return segments.map((segment, index) => {
    if (index < from) return segment;
    const placed = { ...segment, index, start: clock, end: clock + segment.duration };
    clock = placed.end;
    return placed;
  });
}

/**
 * What a report of `kind` at segment `index` does, from the server's precomputed
 * answers in `session.offline`: {segments, message, endSession, ruleIds}, or null when
 * nothing was worked out for it (then the caller stops the session, which is always safe).
 */
export function offlineAnswer(session, kind, index) {
  const answer = session.offline?.[kind];
  const current = session.timeline.segments;
  if (!answer || index < 0 || index >= current.length) return null;
  const kept = current.slice(0, index);
  if (answer.end_session) {
    return { segments: kept, message: answer.message, endSession: true, ruleIds: answer.rule_ids };
  }
  const tail = answer.tails[answer.tail_at[index]];
  if (!tail) return null;
  const segments = renumber([...kept, ...tail.map((i) => answer.segments[i])], index);
  return { segments, message: answer.message, endSession: false, ruleIds: answer.rule_ids };
}

/** Whether the server's answer to a late report matches what the device played. */
export function sameSegments(a, b) {
  return a.length === b.length && a.every((s, i) => JSON.stringify(s) === JSON.stringify(b[i]));
}
