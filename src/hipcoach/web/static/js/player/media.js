// Voice (Web Speech API), beeps (Web Audio) and the Screen Wake Lock: the player's
// ways of reaching someone who is on the floor, not looking at the screen. Each one
// degrades quietly where the browser lacks it; the page says which are on.

const PREFS_KEY = "hipcoach.player.prefs";

/** The voice and beep switches, remembered across visits in localStorage. */
export function loadPrefs(storage) {
  try {
    const saved = JSON.parse(storage?.getItem(PREFS_KEY) ?? "{}");
    return { voice: saved.voice !== false, beeps: saved.beeps !== false };
  } catch {
    return { voice: true, beeps: true };
  }
}

export function savePrefs(storage, prefs) {
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // A browser refusing storage only forgets the switches next time.
  }
}

/** Speaks each segment's prompt, cutting off the previous one so they never queue up. */
export class Voice {
  constructor(win = globalThis) {
    this.synth = win.speechSynthesis ?? null;
    this.Utterance = win.SpeechSynthesisUtterance ?? null;
    this.enabled = true;
  }

  get available() {
    return Boolean(this.synth && this.Utterance);
  }

  say(text) {
    if (!this.enabled || !this.available || !text) return;
    try {
      this.synth.cancel();
      this.synth.speak(new this.Utterance(text));
    } catch {
      // A broken speech engine must never stop the countdown; the words stay on screen.
    }
  }

  stop() {
    try {
      if (this.available) this.synth.cancel();
    } catch {
      // as in say()
    }
  }
}

/** Short oscillator beeps; the AudioContext starts on the first tap (browsers require it). */
export class Beeper {
  constructor(win = globalThis) {
    this.Context = win.AudioContext ?? win.webkitAudioContext ?? null;
    this.context = null;
    this.enabled = true;
  }

  get available() {
    return Boolean(this.Context);
  }

  /** Call from a user gesture so later beeps are allowed to sound. */
  unlock() {
    if (!this.Context) return;
    try {
      this.context ??= new this.Context();
      if (this.context.state === "suspended") this.context.resume().catch(() => {});
    } catch {
      this.context = null; // no audio device: beeps stay silent, nothing else changes
    }
  }

  /** A beep; the last one of a hold is higher and longer so the end is unmistakable. */
  beep(final = false) {
    if (!this.enabled || !this.context) return;
    try {
      this.#tone(final);
    } catch {
      // Audio trouble must never stop the countdown.
    }
  }

  #tone(final) {
    const ctx = this.context;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    const length = final ? 0.35 : 0.15;
    osc.frequency.value = final ? 1320 : 880;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + length + 0.02);
  }
}

/** Keeps the screen on while a session plays, and says whether it could. */
export class WakeLock {
  constructor(win = globalThis, onChange = () => {}) {
    this.api = win.navigator?.wakeLock ?? null;
    this.doc = win.document ?? null;
    this.sentinel = null;
    this.wanted = false;
    this.onChange = onChange;
    this.state = this.api ? "off" : "unsupported";
    // The browser drops the lock whenever the page is hidden; take it again on return.
    this.doc?.addEventListener("visibilitychange", () => {
      if (this.wanted && this.doc.visibilityState === "visible") this.acquire();
    });
  }

  #set(state) {
    this.state = state;
    this.onChange(state);
  }

  async acquire() {
    this.wanted = true;
    if (!this.api) return this.#set("unsupported");
    if (this.sentinel && !this.sentinel.released) return;
    try {
      this.sentinel = await this.api.request("screen");
      this.sentinel.addEventListener("release", () => {
        if (this.state === "on") this.#set(this.wanted ? "lost" : "off");
      });
      this.#set("on");
    } catch {
      this.#set("denied");
    }
  }

  async release() {
    this.wanted = false;
    const sentinel = this.sentinel;
    this.sentinel = null;
    this.#set(this.api ? "off" : "unsupported");
    if (sentinel && !sentinel.released) await sentinel.release().catch(() => {});
  }
}
