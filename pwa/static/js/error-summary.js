// The error summary (GOV.UK pattern, data-error-summary): focused when a page or an htmx swap
// brings one, so that a screen reader reads it first; the page title says "Fehler:" while errors
// show; a link in it moves focus to its field and shows the field's label above the field.
// The prefix comes from the summary (translated on the server); without JavaScript the page's
// title block says it and the summary still sits on top of the form.
// @ts-check

/** Summaries already focused: a later swap elsewhere on the page must not pull focus back. */
const seen = new WeakSet();
/** The prefix of the title while errors show, learnt from a summary. */
let prefix = "";

/** @param {boolean} errors */
function titleSays(errors) {
  if (!prefix) return;
  const marked = document.title.startsWith(`${prefix} `);
  if (errors && !marked) document.title = `${prefix} ${document.title}`;
  if (!errors && marked) document.title = document.title.slice(prefix.length + 1);
}

function showSummary() {
  const summaries = /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-error-summary]"));
  for (const summary of summaries) prefix = summary.dataset.titlePrefix || prefix;
  titleSays(summaries.length > 0);
  const fresh = [...summaries].find((summary) => !seen.has(summary));
  for (const summary of summaries) seen.add(summary);
  if (fresh) fresh.focus();
}

/**
 * The label or legend a field is known by, to show above it after the jump.
 * @param {HTMLElement} field
 * @returns {HTMLElement}
 */
function caption(field) {
  const legend = field.closest("fieldset")?.querySelector("legend");
  if (legend) return /** @type {HTMLElement} */ (legend);
  const label = field.id ? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) : null;
  return /** @type {HTMLElement | null} */ (label) ?? field;
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("[data-error-summary] a[href^='#']") : null;
  if (!link) return;
  const field = document.getElementById(decodeURIComponent(link.getAttribute("href")?.slice(1) ?? ""));
  if (!field) return;
  event.preventDefault();
  // A fragment link would scroll to the field without focusing it, its label hidden above.
  caption(field).scrollIntoView({ block: "start" });
  field.focus({ preventScroll: true });
});

document.addEventListener("htmx:afterSettle", showSummary);
// A summary the drafts code built from the server's answer to a submission sent offline.
document.addEventListener("portal:error-summary", showSummary);
showSummary();
