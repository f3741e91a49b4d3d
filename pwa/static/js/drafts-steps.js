// The steps of a form: where the whole submission goes, which step comes next offline, and
// fetching the next steps ahead so that "Weiter" works without a connection.
// @ts-check
import { answerMatches } from "./drafts-fields.js";

/** @param {string} url */
export const pathOf = (url) => new URL(url, location.href).pathname;

/**
 * The check page's form: it posts the whole submission itself.
 * @param {HTMLFormElement} form
 */
export const isSendForm = (form) => form.dataset.draftSubmit !== undefined || pathOf(form.action).endsWith("/absenden");

/**
 * Where the whole submission goes: the check page's form posts there itself; a step names it.
 * @param {HTMLFormElement} form
 * @returns {string | null}
 */
export function submitUrl(form) {
  if (isSendForm(form)) return pathOf(form.action);
  if (form.dataset.submitUrl) return pathOf(form.dataset.submitUrl);
  const next = form.dataset.next && pathOf(form.dataset.next);
  return next && next.endsWith("/pruefen") ? next.replace(/pruefen$/, "absenden") : null;
}

/**
 * Whether the page is kept for offline use (by the service worker).
 * @param {string} url
 */
export async function nextPageAvailable(url) {
  return Boolean(await caches.match(url, { ignoreVary: true }));
}

/**
 * Offline nobody asks the server which step comes next: a step whose condition does not hold
 * for the draft's answers passes on to the one after it (and says so).
 * @param {HTMLFormElement} form
 * @param {Draft | null} draft
 */
export function skipsItself(form, draft) {
  const field = form.dataset.whenField;
  if (navigator.onLine || !field || !form.dataset.skip || !draft) return false;
  if (answerMatches(draft.fields[field] ?? "", form.dataset.whenValues || "")) return false;
  location.replace(form.dataset.skip);
  return true;
}

async function controlled() {
  await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
}

// A step page's next step: its step form's data-next, as the server writes it (quoted, escaped).
const NEXT_STEP = /<form\b[^>]*?\sdata-next="([^"]*)"/;
/** @type {Record<string, string>} */
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#34;": '"', "&#39;": "'" };

/**
 * Read from the page's text rather than parsed into a document: parsing each step page took
 * 5-26 ms of a busy phone's main thread, long tasks just after the first step had painted
 * (Lighthouse's total blocking time).
 * @param {string} html
 */
function nextStepOf(html) {
  const found = NEXT_STEP.exec(html);
  return found ? found[1].replace(/&(?:amp|lt|gt|quot|#34|#39);/g, (entity) => ENTITIES[entity]) : undefined;
}

/**
 * Step pages fetched ahead through the service worker, which keeps them for offline use (this
 * page too, if it was opened before the worker took over). Their blank copies: the same for
 * everyone, logged in or not; the answers come from the sealed draft when a page opens.
 * @param {string | undefined} first  the next step's URL
 */
export async function prefetchSteps(first) {
  if (!navigator.serviceWorker || !location.pathname.startsWith("/antraege/")) return;
  await controlled();
  /** @type {RequestInit} */
  const asPage = { credentials: "same-origin", headers: { Accept: "text/html", "X-Portal-Blank": "1" } };
  if (!(await nextPageAvailable(location.pathname))) await fetch(location.pathname, asPage).catch(() => {});
  const seen = new Set();
  let url = first;
  while (url && !seen.has(url) && seen.size < 20) {
    seen.add(url);
    const path = pathOf(url);
    if (!path.startsWith("/antraege/") || path.endsWith("/pruefen")) break;
    try {
      const response = await fetch(url, asPage);
      if (!response.ok) break;
      url = nextStepOf(await response.text());
    } catch {
      break;
    }
  }
  document.documentElement.dataset.stepsKept = "true";
}
