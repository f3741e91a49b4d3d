// The proof of work before free appointment times (server/appointments/proof.py): loads the
// ALTCHA widget (vendor/altcha, its build without inline styles or blob: workers, so it runs
// under the portal's CSP), registers its PBKDF2 worker from our own static folder, gives it the
// page's texts and puts it into the form in place of the text shown without JavaScript. The
// widget fetches a challenge, solves it when the form is sent (or its checkbox is ticked) and
// sends the solution as the field "altcha". Nothing is loaded from anywhere else.
// @ts-check

const ALGORITHM = "PBKDF2/SHA-256";

/** @param {HTMLElement} root */
async function start(root) {
  const { altchaScript, altchaWorker, altchaChallenge, altchaStrings } = root.dataset;
  if (!altchaScript || !altchaWorker || !altchaChallenge) return;
  await import(altchaScript); // defines <altcha-widget> and globalThis.$altcha
  const registry = globalThis.$altcha;
  if (!registry) return;
  registry.algorithms.set(ALGORITHM, () => new Worker(altchaWorker));
  const language = document.documentElement.lang.slice(0, 2) || "de";
  registry.i18n.set(language, {
    ...(registry.i18n.get("en") ?? {}),
    ...JSON.parse(altchaStrings ?? "{}"),
  });
  const widget = document.createElement("altcha-widget");
  widget.setAttribute("challenge", altchaChallenge);
  widget.setAttribute("name", "altcha");
  widget.setAttribute("auto", "onsubmit");
  widget.setAttribute("language", language);
  // No link to a third party in the footer, and no collection of pointer movements.
  widget.setAttribute(
    "configuration",
    JSON.stringify({ hideFooter: true, humanInteractionSignature: false }),
  );
  root.querySelector("[data-altcha-fallback]")?.remove();
  root.append(widget);
}

for (const root of document.querySelectorAll("[data-altcha]")) {
  if (root instanceof HTMLElement) {
    start(root).catch(() => {
      // The text for browsers without the widget stays; the server asks for the proof again.
    });
  }
}
