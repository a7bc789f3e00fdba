// The readiness screen: show a follow-up question only after an answer that opens it: a yes
// to a question it follows, or a choice ("both" hips replaced opens the per-hip questions).
// Without this script every follow-up stays visible with a note, and the server keeps only
// the answers that opened them, so the form works either way.

const form = document.querySelector(".screen-form");

function answered(id) {
  const checked = form.querySelector(`input[name="${CSS.escape(id)}"]:checked`);
  return checked === null ? null : checked.value;
}

function isLive(fieldset) {
  const parents = (fieldset.dataset.follows || "").split(" ").filter(Boolean);
  const opens = (fieldset.dataset.followsOn || "yes").split(" ").filter(Boolean);
  // A parent that is itself hidden cannot open its follow-ups.
  return parents.some((id) => {
    const parent = document.getElementById(`q-${id}`);
    return opens.includes(answered(id)) && parent !== null && !parent.hidden;
  });
}

function update() {
  // Parents come before their follow-ups, so one pass in page order settles every question.
  for (const fieldset of form.querySelectorAll("fieldset.followup")) {
    const live = isLive(fieldset);
    fieldset.hidden = !live;
    fieldset.disabled = !live; // disabled inputs are not submitted
  }
}

if (form !== null) {
  form.classList.add("js-followups");
  form.addEventListener("change", update);
  update();
}
