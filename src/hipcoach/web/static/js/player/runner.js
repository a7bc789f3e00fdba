// The session state machine for the browser player, free of the DOM so node can test it.
//
// A port of hipcoach.player.runner: everything is scheduled from one number, `base`,
// the clock reading at which session offset 0 falls. Segment i plays from
// base + start to base + end, and second k of it is due at base + start + k. A late
// wake-up (a throttled background tab) delays only the events it finds due and never
// pushes later deadlines back, so a long session does not drift. Pausing moves base
// forward by the pause; skip and back move it so the chosen segment starts now.
//
// The runner never sleeps and never touches the page. A driver loops: poll(), act on
// the events, then wait for clock.delayMs(nextDeadline()).

// Going back within this many seconds of a segment's start goes to the one before,
// as on a music player; later it restarts the current segment.
export const BACK_RESTART_SECONDS = 2;
// A clock reading exactly on a deadline counts as having reached it.
const EPSILON = 1e-6;

/**
 * Session time from a monotonic real-time source: `timeScale` session seconds pass per
 * real second (1 in real use; more for demos and tests, as HIPCOACH_TIME_SCALE says).
 */
export function scaledClock(timeScale = 1, source = globalThis.performance) {
  const scale = timeScale > 0 ? timeScale : 1;
  return {
    scale,
    now: () => (source.now() / 1000) * scale,
    /** Real milliseconds from now until session time `deadline` (0 once it has passed). */
    delayMs(deadline) {
      return Math.max(0, ((deadline - this.now()) / scale) * 1000);
    },
  };
}

/** Plays a list of timeline segments against a clock, one poll() at a time. */
export class SessionRunner {
  constructor(segments, clock, startIndex = 0) {
    if (!(startIndex >= 0 && (startIndex < segments.length || segments.length === 0))) {
      throw new RangeError(`cannot start at segment ${startIndex} of ${segments.length}`);
    }
    this.segments = segments;
    this.clock = clock;
    this.startIndex = startIndex;
    this.index = null; // null before start() and after the end
    this.base = 0;
    this.second = 0; // next whole second of the segment to report
    this.announced = false;
    this.pausedAt = null;
    this.pending = [];
    this.started = false;
    this.completed = null; // true: reached the end; false: quit
    this.finalAt = 0;
  }

  // ---- driving ------------------------------------------------------------------------

  start() {
    if (this.started) throw new Error("this session has already been started");
    this.started = true;
    if (this.segments.length === 0) this.#finish(true, 0);
    else this.#enter(this.startIndex, this.clock.now());
  }

  /** Everything that has happened up to now, in order; [] when nothing has. */
  poll() {
    this.#catchUp(this.#now());
    const events = this.pending;
    this.pending = [];
    return events;
  }

  /** Session time at which poll() next has something to say; null while paused or over. */
  nextDeadline() {
    if (this.pending.length) return this.clock.now();
    if (this.index === null || this.pausedAt !== null) return null;
    const segment = this.segments[this.index];
    return this.base + segment.start + (this.announced ? this.second : 0);
  }

  // ---- commands -----------------------------------------------------------------------

  pause() {
    if (this.index === null || this.pausedAt !== null) return;
    const now = this.clock.now();
    this.#catchUp(now);
    if (this.index === null) return;
    this.pausedAt = now;
    this.pending.push({ type: "paused", segment: this.current });
  }

  resume() {
    if (this.index === null || this.pausedAt === null) return;
    const pausedFor = Math.max(0, this.clock.now() - this.pausedAt);
    this.base += pausedFor;
    this.pausedAt = null;
    this.pending.push({ type: "resumed", segment: this.current, pausedFor });
  }

  togglePause() {
    if (this.pausedAt === null) this.pause();
    else this.resume();
  }

  /** End the current segment as skipped and start the next one now. */
  skip() {
    const now = this.#now();
    this.#catchUp(now);
    if (this.index === null) return;
    const segment = this.segments[this.index];
    const elapsed = Math.min(segment.duration, Math.max(0, now - this.base - segment.start));
    this.pending.push({ type: "ended", segment, outcome: "skipped", elapsed });
    if (this.index + 1 < this.segments.length) this.#enter(this.index + 1, now);
    else this.#finish(true, this.totalSeconds);
  }

  /** Restart the current segment, or go to the previous one when just into this one. */
  back() {
    const now = this.#now();
    this.#catchUp(now);
    if (this.index === null) return;
    const into = now - this.base - this.segments[this.index].start;
    if (into > BACK_RESTART_SECONDS || this.index === 0) this.#enter(this.index, now);
    else this.#enter(this.index - 1, now);
  }

  /**
   * Play `segments` (a whole new timeline whose earlier segments are the ones already
   * played) from the current index on: the current segment restarts now in its new form.
   * A timeline that ends before the current index ends the session, as completed.
   */
  replaceRemaining(segments, message = "") {
    if (this.index === null) throw new Error("no segment is playing, so nothing can change");
    const index = this.index;
    const now = this.#now(); // stands still while paused: the new segment waits for resume
    this.segments = segments;
    if (index >= segments.length) {
      this.#finish(true, this.totalSeconds);
      return;
    }
    this.#enter(index, now);
    this.pending.push({ type: "adapted", segment: segments[index], message });
  }

  /** Stop here: finished with completed=false; the current segment is not recorded. */
  quit() {
    if (this.completed !== null) return;
    if (this.started) {
      this.#catchUp(this.#now());
      if (this.index === null) return;
    }
    this.#finish(false, this.position);
  }

  // ---- state --------------------------------------------------------------------------

  get finished() {
    return this.completed !== null;
  }

  get isPaused() {
    return this.pausedAt !== null;
  }

  get current() {
    return this.index === null ? null : this.segments[this.index];
  }

  get upcoming() {
    if (!this.started) return this.segments[this.startIndex] ?? null;
    if (this.index === null) return null;
    return this.segments[this.index + 1] ?? null;
  }

  get totalSeconds() {
    const last = this.segments[this.segments.length - 1];
    return last ? last.start + last.duration : 0;
  }

  /** Session time: seconds into the plan, pauses excluded, clamped to the current segment. */
  get position() {
    if (this.completed !== null) return this.finalAt;
    if (this.index === null) return this.segments[this.startIndex]?.start ?? 0;
    const s = this.segments[this.index];
    return Math.min(s.start + s.duration, Math.max(s.start, this.#now() - this.base));
  }

  /** Whole seconds left in the current segment, as the countdown shows them. */
  get remaining() {
    const s = this.current;
    if (s === null) return 0;
    return Math.max(0, Math.ceil(s.start + s.duration - this.position - EPSILON));
  }

  /** Share of the whole session played, 0 to 1. */
  get fraction() {
    const total = this.totalSeconds;
    return total > 0 ? Math.min(1, this.position / total) : 1;
  }

  // ---- internals ----------------------------------------------------------------------

  #now() {
    return this.pausedAt !== null ? this.pausedAt : this.clock.now();
  }

  #enter(index, now) {
    this.index = index;
    this.base = now - this.segments[index].start;
    this.second = 0;
    this.announced = false;
  }

  #finish(completed, at) {
    this.finalAt = at;
    this.index = null;
    this.completed = completed;
    this.pausedAt = null;
    this.pending.push({ type: "finished", completed });
  }

  #catchUp(now) {
    now += EPSILON;
    while (this.index !== null) {
      const segment = this.segments[this.index];
      const startDue = this.base + segment.start;
      if (startDue > now) return;
      if (!this.announced) {
        this.announced = true;
        this.pending.push({ type: "started", segment });
        continue;
      }
      const k = this.second;
      if (startDue + k > now) return;
      if (k < segment.duration) {
        this.second += 1;
        // When the next second is due too, a late wake-up must not replay a burst
        // of stale beeps: only the latest counts.
        if (startDue + k + 1 <= now) continue;
        const remaining = segment.duration - k;
        if (remaining <= segment.beep_seconds) {
          this.pending.push({ type: "beep", segment, remaining });
        }
        continue;
      }
      this.pending.push({ type: "ended", segment, outcome: "completed", elapsed: segment.duration });
      if (this.index + 1 < this.segments.length) {
        // The next segment starts at its planned offset from the same base, not "now":
        // this is what keeps a session free of drift.
        this.index += 1;
        this.second = 0;
        this.announced = false;
      } else {
        this.#finish(true, segment.start + segment.duration);
      }
    }
  }
}
