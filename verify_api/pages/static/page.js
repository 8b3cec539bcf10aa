// PAI Verify pages: progressive enhancement only; every page works without JavaScript.
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(".copy-status");
  if (!field) return;
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = "Link copied.";
  } catch {
    field.select();
    if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
  }
});
