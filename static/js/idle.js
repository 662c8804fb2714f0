// The idle sign-out's warning (directory/sessions.py). Two minutes before the end the
// page asks the server how long is really left (another tab may have been in use); if
// little, it shows the warning, whose button keeps the person signed in.
(() => {
  const dialog = document.getElementById("idle-warning");
  if (!dialog) {
    return;
  }
  const WARN_BEFORE = 120; // seconds
  const statusUrl = dialog.dataset.statusUrl;
  const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  let timer = null;

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const describe = (seconds) =>
    seconds >= 60 ? plural(Math.ceil(seconds / 60), "minute") : plural(seconds, "second");

  const show = (part) => {
    dialog.querySelectorAll("[data-warning]").forEach((el) => (el.hidden = part !== "warning"));
    dialog.querySelectorAll("[data-signed-out]").forEach((el) => (el.hidden = part !== "signed-out"));
    if (!dialog.open) {
      dialog.showModal();
    }
  };

  const ask = async (method) => {
    try {
      const response = await fetch(statusUrl, {
        method,
        credentials: "same-origin",
        headers: method === "POST" ? { "X-CSRFToken": token } : {},
      });
      return (await response.json()).seconds_left;
    } catch {
      return null; // offline for a moment: ask again shortly
    }
  };

  const schedule = (secondsLeft) => {
    window.clearTimeout(timer);
    const wait = Math.max(1, secondsLeft - WARN_BEFORE);
    timer = window.setTimeout(check, wait * 1000);
  };

  const check = async () => {
    const left = await ask("GET");
    if (left === null) {
      timer = window.setTimeout(check, 15000);
    } else if (left <= 0) {
      show("signed-out");
    } else if (left <= WARN_BEFORE) {
      dialog.querySelector("[data-left]").textContent = describe(left);
      show("warning");
      timer = window.setTimeout(check, Math.min(left, 30) * 1000);
    } else {
      if (dialog.open) {
        dialog.close();
      }
      schedule(left);
    }
  };

  dialog.querySelector("[data-stay]").addEventListener("click", async () => {
    const left = await ask("POST");
    if (left > 0) {
      dialog.close();
      schedule(left);
    } else {
      show("signed-out");
    }
  });
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  // Escape would hide the warning without keeping the session: it means "stay".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (dialog.querySelector("[data-signed-out]").hidden) {
      dialog.querySelector("[data-stay]").click();
    } else {
      dialog.close();
    }
  });
  // A part of the page loaded with htmx is a use of the register too.
  document.body.addEventListener("htmx:afterRequest", () => schedule(Number(dialog.dataset.seconds)));
  schedule(Number(dialog.dataset.seconds));
})();
