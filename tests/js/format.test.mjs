// What the player says about a segment, in words (never colour alone).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  announcement, changeLines, clockText, counters, kindLabel, nextText, sideLabel, stateOf,
} from "../../src/hipcoach/web/static/js/player/format.js";

test("every kind has words and a state", () => {
  for (const kind of ["get_ready", "setup", "hold", "rep", "rest", "switch_sides", "transition"]) {
    assert.ok(kindLabel(kind).length > 2, kind);
    assert.ok(["work", "ready", "switch", "rest", "move"].includes(stateOf(kind)), kind);
  }
  assert.equal(stateOf("switch_sides"), "switch");
  assert.equal(stateOf("get_ready"), "ready");
});

test("side, counters and the countdown read as a person would say them", () => {
  assert.equal(sideLabel("right"), "RIGHT leg in front");
  assert.equal(counters({ round: 2, rounds: 3, rep: null, reps: null }), "Round 2 of 3");
  assert.equal(counters({ round: 1, rounds: 1, rep: 4, reps: 8 }), "Rep 4 of 8");
  assert.equal(counters({ round: null, rounds: null }), "");
  assert.equal(clockText(9.2), "10");
  assert.equal(clockText(65), "1:05");
  assert.equal(clockText(-1), "0");
});

test("next and the live announcement name the side and the exercise", () => {
  const hold = { kind: "hold", exercise_name: "ER press", duration: 10, side: "left", text: "ER press: hold", cue: "Chest up.", round: 1, rounds: 2 };
  assert.equal(nextText(hold), "Next: Hold, ER press (10 s)");
  assert.equal(nextText({ kind: "switch_sides", side: "left", duration: 10 }), "Next: Switch sides, LEFT leg in front (10 s)");
  assert.equal(nextText(null), "Next: the end of the session");
  assert.equal(announcement(hold), "ER press: hold. LEFT leg in front. Round 1 of 2. Chest up.");
  assert.deepEqual(changeLines([{ rule_id: "r.x", reason: "Easier today" }]), ["Easier today (r.x)"]);
});
