// The retry queue: nothing is lost offline, order is kept, refusals do not block.
import assert from "node:assert/strict";
import { test } from "node:test";

import { classify, MemoryStorage, RetryQueue, resumeIndex } from "../../src/hipcoach/web/static/js/player/queue.js";

function recorder(answers) {
  const sent = [];
  const send = async (item) => {
    const answer = answers.length ? answers.shift() : 200;
    if (answer === "offline") throw new TypeError("Failed to fetch");
    sent.push(item.index);
    return answer;
  };
  return { sent, send };
}

test("classify tells success, passing trouble and refusals apart", () => {
  assert.equal(classify(200), "ok");
  assert.equal(classify(201), "ok");
  assert.equal(classify(503), "retry");
  assert.equal(classify(429), "retry");
  assert.equal(classify(409), "drop");
  assert.equal(classify(422), "drop");
});

test("an item sent while online leaves the queue", async () => {
  const storage = new MemoryStorage();
  const { sent, send } = recorder([200]);
  const queue = new RetryQueue(storage, "k", send);
  const result = await queue.push({ index: 0 });
  assert.deepEqual(result, { sent: 1, left: 0, offline: false });
  assert.deepEqual(sent, [0]);
  assert.equal(queue.size, 0);
});

test("offline items stay in storage, survive a new queue, and go out in order", async () => {
  const storage = new MemoryStorage();
  const first = new RetryQueue(storage, "k", recorder(["offline", "offline"]).send);
  assert.equal((await first.push({ index: 0 })).offline, true);
  assert.equal((await first.push({ index: 1 })).left, 2);
  // A reload: a new queue on the same storage sends both, oldest first.
  const { sent, send } = recorder([]);
  const second = new RetryQueue(storage, "k", send);
  assert.equal(second.size, 2);
  assert.deepEqual(await second.flush(), { sent: 2, left: 0, offline: false });
  assert.deepEqual(sent, [0, 1]);
});

test("a server error keeps the item for later; a refusal drops it so others can pass", async () => {
  const storage = new MemoryStorage();
  const { sent, send } = recorder([500, 409, 200]);
  const queue = new RetryQueue(storage, "k", send);
  assert.equal((await queue.push({ index: 0 })).offline, true);
  assert.equal(queue.size, 1);
  await queue.push({ index: 1 }); // 409 for index 0, then 200 for index 1
  assert.equal(queue.size, 0);
  assert.deepEqual(queue.dropped, [{ index: 0 }]);
  assert.deepEqual(sent, [0, 0, 1]); // index 0 tried twice: 500, then 409
});

test("concurrent pushes are all sent exactly once", async () => {
  const storage = new MemoryStorage();
  const { sent, send } = recorder([]);
  const queue = new RetryQueue(storage, "k", send);
  await Promise.all([0, 1, 2, 3].map((index) => queue.push({ index })));
  assert.deepEqual(sent, [0, 1, 2, 3]);
  assert.equal(queue.size, 0);
});

test("corrupt storage reads as empty instead of breaking the player", () => {
  const storage = new MemoryStorage();
  storage.setItem("k", "{not json");
  assert.deepEqual(new RetryQueue(storage, "k", async () => 200).items(), []);
});

test("resumeIndex skips what the server and the device queue already hold", () => {
  const session = {
    session_id: "s1",
    start_index: 2,
    done_indices: [0, 1],
    timeline: { segments: [{}, {}, {}, {}, {}] },
  };
  assert.equal(resumeIndex(session, []), 2);
  const waiting = [{ session_id: "s1", index: 2 }, { session_id: "other", index: 3 }];
  assert.equal(resumeIndex(session, waiting), 3);
  assert.equal(resumeIndex(session, [...waiting, { session_id: "s1", index: 3 }, { session_id: "s1", index: 4 }]), 5);
});
