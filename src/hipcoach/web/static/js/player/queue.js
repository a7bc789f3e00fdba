// A retry queue for the segments (and other writes) the player sends: nothing is lost.
//
// Each item is saved to storage (localStorage in the browser) before it is sent and
// removed only once the server has answered, so a dropped connection or a closed tab
// keeps it for the next flush. Items go out strictly in order: the journal is written
// in the order the segments ended. DOM-free so node can test it with a fake storage.

/** Where every page keeps what waits to be sent (one queue, one order). */
export const QUEUE_KEY = "hipcoach.player.pending";

/** Outcome of one send: "ok", "retry" (network or server trouble) or "drop" (refused). */
export function classify(status) {
  if (status >= 200 && status < 300) return "ok";
  // 408 / 429 / 5xx are passing trouble; any other 4xx will never succeed, so retrying
  // it forever would only block the items behind it.
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "drop";
}

/**
 * A key for one segment save, kept with the item across every retry: the server counts
 * a save once per key, so a save resent after a lost reply never adds its time twice.
 */
export function newSaveKey(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl?.randomUUID === "function") return cryptoImpl.randomUUID();
  // randomUUID needs a secure context (HTTPS, or this computer); a phone reaching the
  // server over plain HTTP on the home network still has getRandomValues.
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class RetryQueue {
  /**
   * @param {{getItem(k: string): string|null, setItem(k: string, v: string): void}} storage
   * @param {string} key storage key
   * @param {(item: object) => Promise<number>} send resolves to the HTTP status; rejects
   *   when the network is down
   */
  constructor(storage, key, send) {
    this.storage = storage;
    this.key = key;
    this.send = send;
    this.flushing = null;
    this.dropped = [];
  }

  /** The items waiting, oldest first. */
  items() {
    try {
      const parsed = JSON.parse(this.storage.getItem(this.key) ?? "[]");
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return []; // a corrupted entry must not stop the player
    }
  }

  get size() {
    return this.items().length;
  }

  #save(items) {
    try {
      this.storage.setItem(this.key, JSON.stringify(items));
    } catch {
      // Storage full or blocked (private mode): the item still goes out now.
    }
  }

  /** Keep `item` and try to send everything waiting; resolves to what flush() returns. */
  async push(item) {
    this.#save([...this.items(), item]);
    let result = await this.flush();
    // A run that was already finishing when the item arrived may have missed it.
    if (!result.offline && this.size > 0) result = await this.flush();
    return result;
  }

  /**
   * Send the waiting items in order until one fails. Resolves to
   * {sent, left, offline}. Concurrent calls share one run.
   */
  flush() {
    if (!this.flushing) {
      this.flushing = this.#run().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  async #run() {
    let sent = 0;
    for (;;) {
      // Re-read each time: push() may have added items while a send was in flight.
      const items = this.items();
      if (items.length === 0) return { sent, left: 0, offline: false };
      let verdict;
      try {
        verdict = classify(await this.send(items[0]));
      } catch {
        verdict = "retry";
      }
      if (verdict === "retry") return { sent, left: items.length, offline: true };
      if (verdict === "drop") this.dropped.push(items[0]);
      else sent += 1;
      this.#save(this.items().slice(1));
    }
  }
}

/** A Storage-like object in memory, for tests and for browsers that refuse storage. */
export class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.map.set(key, String(value));
  }
  removeItem(key) {
    this.map.delete(key);
  }
}

/**
 * Where a resumed session starts: its first segment neither the server nor this
 * device's waiting queue has saved (the server's start_index knows only the former).
 */
export function resumeIndex(session, waiting) {
  const count = session.timeline.segments.length;
  const saved = new Set(session.done_indices ?? []);
  for (const item of waiting) {
    // Only segment saves (items of no type) mark a step done; reports and the finish do not.
    if (item.session_id === session.session_id && !item.type) saved.add(item.index);
  }
  const first = Math.max(0, session.start_index ?? 0);
  for (let i = first; i < count; i += 1) if (!saved.has(i)) return i;
  return count;
}
