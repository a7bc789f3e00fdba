// The player's session clock: deadlines, pause, skip, back and replacing the rest.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BACK_RESTART_SECONDS, SessionRunner, scaledClock } from "../../src/hipcoach/web/static/js/player/runner.js";

function fakeClock(start = 100) {
  return { t: start, now() { return this.t; }, advance(s) { this.t += s; } };
}

function seg(index, start, duration, kind = "hold", beep = 0) {
  return { index, start, duration, kind, beep_seconds: beep, exercise_id: "x", side: "right" };
}

const TIMELINE = [seg(0, 0, 3, "get_ready"), seg(1, 3, 5, "hold", 3), seg(2, 8, 4, "rest")];

function types(events) {
  return events.map((e) => (e.type === "ended" ? `ended:${e.segment.index}:${e.outcome}` : e.type));
}

test("plays every segment on its deadline and finishes completed", () => {
  const clock = fakeClock();
  const r = new SessionRunner(TIMELINE, clock);
  r.start();
  assert.deepEqual(types(r.poll()), ["started"]);
  assert.equal(r.remaining, 3);
  assert.equal(r.nextDeadline(), 101);
  clock.advance(3);
  assert.deepEqual(types(r.poll()), ["ended:0:completed", "started"]);
  assert.equal(r.current.index, 1);
  clock.advance(9);
  const tail = types(r.poll()).filter((t) => t !== "beep");
  assert.deepEqual(tail, ["ended:1:completed", "started", "ended:2:completed", "finished"]);
  assert.equal(r.completed, true);
  assert.equal(r.fraction, 1);
});

test("beeps in the last beep_seconds of a hold, once per second", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock, 1);
  r.start();
  r.poll();
  const beeps = [];
  for (let i = 0; i < 5; i += 1) {
    clock.advance(1);
    for (const e of r.poll()) if (e.type === "beep") beeps.push(e.remaining);
  }
  assert.deepEqual(beeps, [3, 2, 1]);
});

test("a late wake-up does not drift: the next segment keeps its planned deadline", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock);
  r.start();
  r.poll();
  clock.advance(3.7); // woke 0.7 s late
  r.poll();
  assert.equal(r.current.index, 1);
  // Segment 1 ends at 8 from the session base, not 3.7 + 5.
  clock.t = 7.99;
  r.poll();
  assert.equal(r.current.index, 1);
  clock.t = 8;
  r.poll();
  assert.equal(r.current.index, 2);
});

test("a late wake-up replays no burst of stale beeps", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock, 1);
  r.start();
  r.poll();
  clock.advance(4.5);
  const beeps = r.poll().filter((e) => e.type === "beep");
  assert.equal(beeps.length, 1);
  assert.equal(beeps[0].remaining, 1);
});

test("pause freezes the countdown and shifts every later deadline", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock);
  r.start();
  r.poll();
  clock.advance(1);
  r.pause();
  assert.deepEqual(types(r.poll()), ["paused"]);
  assert.equal(r.nextDeadline(), null);
  clock.advance(60);
  assert.deepEqual(r.poll(), []);
  assert.equal(r.remaining, 2);
  r.resume();
  assert.deepEqual(types(r.poll()), ["resumed"]);
  assert.equal(r.nextDeadline(), 62);
  clock.advance(2);
  assert.deepEqual(types(r.poll()), ["ended:0:completed", "started"]);
});

test("skip ends the segment as skipped with the time spent, and starts the next now", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock);
  r.start();
  r.poll();
  clock.advance(1.5);
  r.skip();
  const events = r.poll();
  assert.deepEqual(types(events), ["ended:0:skipped", "started"]);
  assert.equal(events[0].elapsed, 1.5);
  assert.equal(r.remaining, 5);
});

test("skipping the last segment finishes the session", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock, 2);
  r.start();
  r.poll();
  r.skip();
  assert.deepEqual(types(r.poll()), ["ended:2:skipped", "finished"]);
  assert.equal(r.completed, true);
});

test("back restarts the segment, or goes to the previous one near its start", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock, 1);
  r.start();
  r.poll();
  clock.advance(BACK_RESTART_SECONDS + 1);
  r.back();
  assert.equal(r.current.index, 1);
  assert.equal(r.remaining, 5);
  clock.advance(0.5);
  r.back();
  assert.equal(r.current.index, 0);
  assert.equal(r.remaining, 3);
  assert.deepEqual(types(r.poll()).filter((t) => t.startsWith("ended")), []);
});

test("replaceRemaining restarts the current index in its new form", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock);
  r.start();
  r.poll();
  clock.advance(4); // into segment 1
  r.poll();
  const adapted = [TIMELINE[0], seg(1, 3, 20, "rest"), seg(2, 23, 6, "hold")];
  r.replaceRemaining(adapted, "Back off");
  const events = r.poll();
  assert.deepEqual(types(events), ["adapted", "started"]);
  assert.equal(events[0].message, "Back off");
  assert.equal(r.current.kind, "rest");
  assert.equal(r.remaining, 20);
  assert.equal(r.totalSeconds, 29);
});

test("a replacement that ends before the current index finishes the session", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock, 1);
  r.start();
  r.poll();
  r.replaceRemaining([TIMELINE[0]]);
  assert.deepEqual(types(r.poll()), ["finished"]);
  assert.equal(r.completed, true);
});

test("quit finishes as not completed and records nothing for the current segment", () => {
  const clock = fakeClock(0);
  const r = new SessionRunner(TIMELINE, clock);
  r.start();
  r.poll();
  clock.advance(1);
  r.quit();
  assert.deepEqual(types(r.poll()), ["finished"]);
  assert.equal(r.completed, false);
});

test("a bad start index is refused", () => {
  assert.throws(() => new SessionRunner(TIMELINE, fakeClock(), 3), RangeError);
});

test("scaledClock runs session time timeScale times faster and gives real delays", () => {
  const source = { ms: 1000, now() { return this.ms; } };
  const clock = scaledClock(20, source);
  assert.equal(clock.now(), 20);
  assert.equal(clock.delayMs(21), 50);
  assert.equal(clock.delayMs(0), 0);
  assert.equal(scaledClock(0, source).scale, 1);
});
