// API errors as the start form shows them (views.js touches the DOM only when called).
import assert from "node:assert/strict";
import { test } from "node:test";

import { errorText, needsScreen } from "../../src/hipcoach/web/static/js/player/views.js";

test("an error's reasons are added only when its message lacks them", () => {
  const refusal = { status: 403, message: "No session.\n  - Pain is high (pain.high)", reasons: ["Pain is high (pain.high)", "Rest (rest.x)"] };
  assert.equal(errorText(refusal), "No session.\n  - Pain is high (pain.high)\nRest (rest.x)");
  assert.equal(errorText({ message: "boom" }), "boom");
});

test("a refusal by the readiness screen is told apart, so the page can link to it", () => {
  assert.equal(needsScreen({ status: 403, reasons: ["No screen yet. (screen.needed)"] }), true);
  assert.equal(needsScreen({ status: 403, reasons: ["Pain is high (pain.high)"] }), false);
  assert.equal(needsScreen({ status: 422, reasons: ["(screen.needed)"] }), false);
});
