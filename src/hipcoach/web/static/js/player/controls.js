// Keyboard shortcuts and the voice / beep switches of the playing view.

import { loadPrefs, savePrefs } from "./media.js";

const KEYS = { n: "next", b: "back", q: "quit" };
const SYMPTOM_KEYS = { p: "pinch", c: "cramp", k: "knee", x: "pain" };

/**
 * Space pause, N next, B back, Q quit, and P / C / K / X for the symptoms, while
 * `active()` says the playing view is showing. Typing in a form field is left alone.
 */
export function bindKeys(active, { command, symptom }, doc = document) {
  doc.addEventListener("keydown", (e) => {
    if (!active() || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest?.("input, select, textarea")) return;
    const key = e.key.toLowerCase();
    if (key === " ") {
      // Space always pauses, even with a button focused (it would otherwise press it).
      e.preventDefault();
      if (!e.repeat) command("pause");
    } else if (KEYS[key]) {
      e.preventDefault();
      command(KEYS[key]);
    } else if (SYMPTOM_KEYS[key]) {
      e.preventDefault();
      symptom(SYMPTOM_KEYS[key]);
    }
  });
  // A focused button is pressed on Space's keyup; that would undo the pause.
  doc.addEventListener("keyup", (e) => {
    if (e.key === " " && active()) e.preventDefault();
  });
}

/** The #toggle-voice and #toggle-beeps switches, remembered in storage. */
export function bindSwitches(storage, devices, doc = document) {
  const prefs = loadPrefs(storage);
  for (const [name, device] of Object.entries(devices)) {
    const box = doc.getElementById(`toggle-${name}`);
    device.enabled = prefs[name];
    box.checked = prefs[name];
    if (!device.available) {
      box.disabled = true;
      box.parentElement.append(" (not available)");
    }
    box.addEventListener("change", () => {
      prefs[name] = box.checked;
      device.enabled = box.checked;
      if (!box.checked) device.stop?.();
      savePrefs(storage, prefs);
    });
  }
}
