// Offline reports: the device looks up the server's precomputed answer and renumbers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { offlineAnswer, renumber, sameSegments } from "../../src/hipcoach/web/static/js/player/offline.js";

const seg = (text, duration, extra = {}) => ({ index: 0, start: 0, end: duration, duration, text, ...extra });
const timeline = renumber([seg("set up", 10), seg("ir lift", 20), seg("er press", 20), seg("ir stretch", 30)]);
const session = {
  timeline: { segments: timeline },
  offline: {
    pinch: {
      rule_ids: ["symptom.pinch"], message: "Pinch: front hip work only.", end_session: false,
      segments: [seg("Pinch: rest", 10), seg("er press", 20)],
      tails: [[0, 1], [0]],
      tail_at: [0, 0, 1, 1],
    },
    pain: { rule_ids: ["symptom.pain-again"], message: "Stop here.", end_session: true, segments: [], tails: [], tail_at: [] },
  },
};

test("renumber counts index, start and end afresh from a point", () => {
  const out = renumber([seg("a", 5), seg("b", 7), seg("c", 3)]);
  assert.deepEqual(out.map((s) => [s.index, s.start, s.end]), [[0, 0, 5], [1, 5, 12], [2, 12, 15]]);
});

test("a report keeps what was played and appends the precomputed tail for that segment", () => {
  const answer = offlineAnswer(session, "pinch", 1);
  assert.equal(answer.endSession, false);
  assert.deepEqual(answer.ruleIds, ["symptom.pinch"]);
  assert.deepEqual(answer.segments.map((s) => s.text), ["set up", "Pinch: rest", "er press"]);
  assert.deepEqual(answer.segments.map((s) => [s.index, s.start]), [[0, 0], [1, 10], [2, 20]]);
  assert.deepEqual(offlineAnswer(session, "pinch", 3).segments.map((s) => s.text),
    ["set up", "ir lift", "er press", "Pinch: rest"]);
});

test("a report whose rule ends the session keeps only what was played", () => {
  const answer = offlineAnswer(session, "pain", 2);
  assert.equal(answer.endSession, true);
  assert.deepEqual(answer.segments.map((s) => s.text), ["set up", "ir lift"]);
});

test("nothing worked out ahead (another symptom, an index past the end) is null", () => {
  assert.equal(offlineAnswer(session, "knee", 1), null);
  assert.equal(offlineAnswer(session, "pinch", 9), null);
  assert.equal(offlineAnswer({ ...session, offline: {} }, "pinch", 1), null);
});

test("sameSegments compares what would play, field by field", () => {
  assert.equal(sameSegments(timeline, renumber(timeline)), true);
  assert.equal(sameSegments(timeline, timeline.slice(1)), false);
});
