// On every page but the player: send what a player kept on this device while the
// server could not be reached (segments, symptom reports, the finish, the check-out),
// in the order they happened, and say so. The player sends its own queue itself.

import { PlayerApi } from "./player/api.js";
import { QUEUE_KEY, RetryQueue } from "./player/queue.js";

const note = document.getElementById("outbox-note");
const storage = (() => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
})();

if (storage && note) {
  const api = new PlayerApi("/api/v1");
  const queue = new RetryQueue(storage, QUEUE_KEY, (item) => api.sendItem(item));
  const say = (text) => {
    note.textContent = text;
    note.hidden = !text;
  };
  const send = async () => {
    const waiting = queue.size;
    if (!waiting) return;
    say(`Sending ${waiting} item(s) a session kept on this device…`);
    const result = await queue.flush();
    if (result.offline) say(`${result.left} item(s) from a session are kept on this device until hipcoach can be reached.`);
    else if (queue.dropped.length) say(`Sent what a session kept on this device; ${queue.dropped.length} item(s) were refused by hipcoach.`);
    else say(`Sent ${result.sent} item(s) a session kept on this device.`);
  };
  window.addEventListener("online", send);
  send();
}
