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
