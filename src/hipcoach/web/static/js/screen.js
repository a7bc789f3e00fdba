// The readiness screen: show a follow-up question only after a yes to a question it follows.
// Without this script every follow-up stays visible with a note, and the server keeps only
// the answers a yes opened, so the form works either way.

const form = document.querySelector(".screen-form");

function answeredYes(id) {
  const checked = form.querySelector(`input[name="${CSS.escape(id)}"]:checked`);
  return checked !== null && checked.value === "yes";
}

function isLive(fieldset) {
  const parents = (fieldset.dataset.follows || "").split(" ").filter(Boolean);
  // A parent that is itself hidden cannot open its follow-ups.
  return parents.some((id) => {
    const parent = document.getElementById(`q-${id}`);
    return answeredYes(id) && parent !== null && !parent.hidden;
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
