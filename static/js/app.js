// The project's own script: small improvements that the pages do not depend on.

// A button marked data-once is disabled after its form is sent, so a double click
// sends the form once (the server refuses a second submission as well).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.hasAttribute("data-once")) {
    window.setTimeout(() => {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    }, 0);
  }
});

// After a failed submission, take keyboard and screen-reader users to the list of problems.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});

// The people picker of the declaration form (#22). Without JavaScript each search posts
// the form and the people chosen come back as chips, each with a Remove button that
// posts it again without them. Here: Enter in the search box searches in place; ticking
// a result makes it a chip at once, so it stays chosen through the next search; Remove
// takes the chip away without leaving the page.
(() => {
  const chips = () => document.querySelector("#chosen-people .chips");
  const find = (selector) => document.querySelector(selector);
  const keyed = (root, key) =>
    root ? [...root.querySelectorAll("[data-key]")].find((each) => each.dataset.key === key) : null;

  function announce(text) {
    const status = find("#picker-status");
    if (status) {
      status.textContent = "";
      window.setTimeout(() => {
        status.textContent = text;
      }, 50);
    }
  }

  function showChosen() {
    const list = chips();
    if (list) {
      list.parentElement.hidden = list.children.length === 0;
    }
  }

  function addChip(box) {
    const list = chips();
    if (!list || keyed(list, box.dataset.key)) {
      return;
    }
    const chip = document.createElement("li");
    chip.className = "chip";
    chip.dataset.key = box.dataset.key;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = box.name;
    input.value = box.value;
    const text = document.createElement("span");
    text.className = "chip-text";
    text.textContent = box.dataset.text;
    const remove = document.createElement("button");
    remove.type = "submit";
    remove.className = "chip-remove";
    remove.name = "remove";
    remove.value = box.dataset.key;
    remove.append("Remove");
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = ` ${box.dataset.name}`;
    remove.append(who);
    chip.append(input, text, remove);
    list.append(chip);
    // The chip posts the person now: the result no longer does, whatever happens to it.
    box.dataset.field = box.name;
    box.removeAttribute("name");
    showChosen();
    announce(`${box.dataset.name} chosen`);
  }

  function removeChip(chip, { refocus }) {
    const name = chip.querySelector(".visually-hidden").textContent.trim();
    const next = chip.nextElementSibling || chip.previousElementSibling;
    const results = find("#search-results");
    const box = keyed(results, chip.dataset.key);
    chip.remove();
    if (box && box.type === "checkbox") {
      box.checked = false;
      box.name = box.dataset.field || box.name;
    } else if (box) {
      // Shown as chosen in the results: ask for them again, to offer the person again.
      const search = find("#people-search");
      if (search && window.htmx) {
        window.htmx.trigger(search, "search");
      }
    }
    showChosen();
    if (refocus) {
      (next ? next.querySelector(".chip-remove") : find("#people-search")).focus();
    }
    announce(`${name} removed`);
  }

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches("#search-results input[type=checkbox][data-key]")) {
      return;
    }
    if (box.checked) {
      addChip(box);
    } else {
      const chip = keyed(chips(), box.dataset.key);
      if (chip) {
        removeChip(chip, { refocus: false });
      }
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".chip-remove");
    if (button) {
      event.preventDefault();
      removeChip(button.closest(".chip"), { refocus: true });
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.id === "people-search") {
      event.preventDefault();
      if (window.htmx) {
        window.htmx.trigger(event.target, "search");
      }
    }
  });
})();

// The decision form (#22): only the boxes of the decision chosen are shown, as GOV.UK's
// conditional radios do. Without JavaScript every box shows, each saying which decisions
// it is for; the server keeps only the chosen decision's boxes either way.
(() => {
  function showBoxes(form) {
    const chosen = form.querySelector("input[name=outcome]:checked");
    for (const box of form.querySelectorAll(".decision-box")) {
      const outcomes = box.dataset.outcomes.split(" ");
      // A box with an error is never hidden: the error summary links to it.
      const shown = chosen && outcomes.includes(chosen.value);
      box.hidden = !shown && !box.querySelector(".is-invalid");
      for (const note of box.querySelectorAll(".decision-box-for")) {
        note.hidden = true;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll(".decision-form")) {
      showBoxes(form);
    }
  });

  document.addEventListener("change", (event) => {
    const form = event.target.closest(".decision-form");
    if (form && event.target.name === "outcome") {
      showBoxes(form);
    }
  });
})();
