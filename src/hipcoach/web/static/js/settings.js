// Settings: player defaults kept in localStorage, and importing a JSON export through the API.
// The player reads the same keys: "hipcoach.voice" and "hipcoach.beeps", each "on" or "off".

const prefs = document.getElementById("player-prefs");
const prefsStatus = document.getElementById("prefs-status");

function readPref(key) {
  try {
    return localStorage.getItem(key) !== "off";
  } catch {
    return true; // storage blocked (private mode): the defaults stand
  }
}

if (prefs !== null) {
  for (const box of prefs.querySelectorAll("input[data-pref]")) {
    box.checked = readPref(box.dataset.pref);
    box.addEventListener("change", () => {
      try {
        localStorage.setItem(box.dataset.pref, box.checked ? "on" : "off");
        prefsStatus.textContent = "Saved in this browser.";
      } catch {
        prefsStatus.textContent = "This browser does not keep settings (private mode?).";
      }
    });
  }
}

const importForm = document.getElementById("import-form");
const importResult = document.getElementById("import-result");

function show(kind, heading, lines) {
  importResult.replaceChildren();
  const box = document.createElement("div");
  box.className = `notice notice--${kind}`;
  box.setAttribute("role", kind === "stop" ? "alert" : "status");
  const p = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = heading;
  p.append(strong);
  box.append(p);
  if (lines.length) {
    const ul = document.createElement("ul");
    for (const line of lines) {
      const li = document.createElement("li");
      li.textContent = line;
      ul.append(li);
    }
    box.append(ul);
  }
  importResult.append(box);
}

function countLines(body) {
  // The restore summary counts rows per kind; show whatever counts the server sent.
  const counts = (body && (body.counts || (body.summary && body.summary.counts))) || {};
  return Object.entries(counts).map(([kind, n]) => `${kind.replaceAll("_", " ")}: ${n}`);
}

if (importForm !== null) {
  importForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = importForm.elements.file.files[0];
    if (!file) {
      show("stop", "Choose a JSON export file first.", []);
      return;
    }
    show("", "Importing…", []);
    try {
      const response = await fetch("/api/v1/import", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: await file.text(),
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        show("ok", "Imported. Restored:", countLines(body));
      } else {
        show("stop", `Nothing was imported: ${body.error || response.statusText}`, []);
      }
    } catch (error) {
      show("stop", `Nothing was imported: ${error.message}`, []);
    }
  });
}
