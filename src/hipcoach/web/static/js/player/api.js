// The player's calls to the JSON API under /api/v1 (the contract in the web issue).

/** An API error with the server's message and the field it names, if any. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `the server answered ${status}`);
    this.status = status;
    this.field = body?.field ?? null;
    this.reasons = body?.reasons ?? [];
  }
}

export class PlayerApi {
  constructor(base, fetchImpl = globalThis.fetch.bind(globalThis)) {
    this.base = base.replace(/\/$/, "");
    this.fetch = fetchImpl;
  }

  async #call(method, path, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await this.fetch(`${this.base}${path}`, init);
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  /** The newest unfinished session, or null when there is none (204, no body). */
  current() {
    return this.#call("GET", "/sessions/current");
  }

  session(id) {
    return this.#call("GET", `/sessions/${encodeURIComponent(id)}`);
  }

  start(routineId, checkin) {
    return this.#call("POST", "/sessions", { routine_id: routineId || null, checkin });
  }

  resume(id, checkin) {
    return this.#call("POST", `/sessions/${encodeURIComponent(id)}/resume`, { checkin });
  }

  symptom(id, symptom, segmentIndex, fingerprint = null) {
    return this.#call("POST", `/sessions/${encodeURIComponent(id)}/symptoms`, {
      symptom,
      segment_index: segmentIndex,
      fingerprint,
    });
  }

  finish(id, completed) {
    return this.#call("POST", `/sessions/${encodeURIComponent(id)}/finish`, { completed });
  }

  checkout(id, answers) {
    return this.#call("POST", `/sessions/${encodeURIComponent(id)}/checkout`, answers);
  }

  /**
   * Send one waiting item for the retry queue (a segment, or a symptom, finish or
   * check-out kept while offline): resolves to the HTTP status, rejects only when the
   * network is down (the queue keeps the item then). `onAnswer(item, body)` hears what
   * the server said to a symptom sent late.
   */
  async sendItem(item, onAnswer = () => {}) {
    const id = encodeURIComponent(item.session_id);
    const [path, body] = {
      symptom: () => [`/sessions/${id}/symptoms`, {
        symptom: item.symptom, segment_index: item.segment_index, fingerprint: item.fingerprint,
      }],
      finish: () => [`/sessions/${id}/finish`, { completed: item.completed }],
      checkout: () => [`/sessions/${id}/checkout`, { pain: item.pain, effort: item.effort }],
    }[item.type]?.() ?? [`/sessions/${id}/segments`, {
      index: item.index, outcome: item.outcome, elapsed_seconds: item.elapsed_seconds,
      // Made once when the step ended and kept in storage with it: every retry sends it.
      ...(item.save_key ? { save_key: item.save_key } : {}),
    }];
    const response = await this.fetch(`${this.base}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (item.type === "symptom" && response.ok) onAnswer(item, await response.json().catch(() => null));
    return response.status;
  }

  /** One saved segment (the queue's original item). */
  sendSegment(item) {
    return this.sendItem(item);
  }
}
