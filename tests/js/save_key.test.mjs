// Segment saves carry a key made once per save and sent unchanged on every retry.
import assert from "node:assert/strict";
import { test } from "node:test";

import { PlayerApi } from "../../src/hipcoach/web/static/js/player/api.js";
import { MemoryStorage, newSaveKey, RetryQueue } from "../../src/hipcoach/web/static/js/player/queue.js";

const KEY = /^[A-Za-z0-9_-]{8,64}$/; // what the API accepts (web.api.inputs.SAVE_KEY_PATTERN)

test("a save key is new each time and has the shape the API takes", () => {
  const keys = new Set(Array.from({ length: 50 }, () => newSaveKey()));
  assert.equal(keys.size, 50);
  for (const key of keys) assert.match(key, KEY);
});

test("without randomUUID (plain HTTP on the home network) the key comes from getRandomValues", () => {
  const bytes = { getRandomValues: (array) => array.map((_, i) => i * 17) };
  const key = newSaveKey(bytes);
  assert.equal(key, "00112233445566778899aabbccddeeff");
  assert.match(key, KEY);
});

test("every retry of a segment save sends the key it was kept with", async () => {
  const bodies = [];
  let calls = 0;
  const fetchImpl = async (url, init) => {
    calls += 1;
    bodies.push(JSON.parse(init.body));
    if (calls <= 2) throw new TypeError("Failed to fetch"); // the reply was lost
    return { status: 200, ok: true, json: async () => ({ done: 1, total: 9 }) };
  };
  const api = new PlayerApi("/api/v1", fetchImpl);
  const storage = new MemoryStorage();
  const queue = new RetryQueue(storage, "k", (item) => api.sendItem(item));
  const key = newSaveKey();
  await queue.push({ session_id: "s1", index: 3, outcome: "completed", elapsed_seconds: 20, save_key: key });
  // A reload in between: the queue reads the item, key and all, back from storage.
  const reloaded = new RetryQueue(storage, "k", (item) => api.sendItem(item));
  await reloaded.flush();
  await reloaded.flush();
  assert.equal(calls, 3);
  assert.equal(reloaded.size, 0);
  assert.deepEqual(bodies.map((b) => b.save_key), [key, key, key]);
  assert.deepEqual(bodies[0], { index: 3, outcome: "completed", elapsed_seconds: 20, save_key: key });
});

test("an item kept by an older page, without a key, is still sent (and counts as before)", async () => {
  const bodies = [];
  const api = new PlayerApi("/api/v1", async (url, init) => {
    bodies.push(JSON.parse(init.body));
    return { status: 200, ok: true, json: async () => ({}) };
  });
  await api.sendItem({ session_id: "s1", index: 0, outcome: "skipped", elapsed_seconds: 1 });
  assert.deepEqual(bodies, [{ index: 0, outcome: "skipped", elapsed_seconds: 1 }]);
});
