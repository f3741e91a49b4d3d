// Copy buttons next to bank details: shown only where the browser can copy.
// @ts-check
/** @type {NodeListOf<HTMLButtonElement>} */
const buttons = document.querySelectorAll("button[data-copy]");
if (navigator.clipboard) {
  for (const button of buttons) {
    const label = button.querySelector(".kern-label");
    if (!label) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const original = label.textContent;
      try {
        await navigator.clipboard.writeText(button.dataset.copy ?? "");
        label.textContent = button.dataset.copied ?? original;
        setTimeout(() => { label.textContent = original; }, 2000);
      } catch {
        // Nothing to do: the value stays on screen to copy by hand.
      }
    });
  }
}
