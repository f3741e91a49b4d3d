// Keeps what is typed into every form[data-draft-form] in this browser (encrypted, see
// draft-store.js) until it is sent, so that closing the tab or losing the connection loses
// nothing; sends offline by queueing; lists the drafts on the start page. This module starts it
// all; the work is in the drafts-*.js modules it imports:
//   drafts-dom.js     the page's texts and the elements added to it
//   drafts-fields.js  reading and filling a form, conditional questions
//   drafts-files.js   checking and scaling down chosen files
//   drafts-form.js    a step's form bound to its draft
//   drafts-send.js    the check page's "Absenden"
//   drafts-outbox.js  waiting submissions in the page, sending offline
//   drafts-steps.js   step URLs, skipping steps offline, fetching steps ahead
//   drafts-server.js  the logged-in citizen's draft on the server
//   drafts-list.js    the start page's list
// The page loads them through its import map (versioned URLs, see server/assets.py).
// @ts-check
import { bindForm } from "./drafts-form.js";
import { renderOverview } from "./drafts-list.js";
import { showOutbox } from "./drafts-outbox.js";
import { bindSendForm } from "./drafts-send.js";
import { isSendForm } from "./drafts-steps.js";

const drafts = self.portalDrafts;

/**
 * A page that came out of the offline cache carries an old CSRF token; online again, it gets the
 * session's current one before anything is sent.
 * @param {DraftKey | null} key
 */
function refreshCsrf(key) {
  if (!key?.csrf) return;
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("input[name=csrf_token]"))) {
    input.value = key.csrf;
  }
  document.querySelector("meta[name=csrf-token]")?.setAttribute("content", key.csrf);
  if (document.body.hasAttribute("hx-headers")) {
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": key.csrf }));
  }
}

/**
 * The forms in `root` (or `root` itself) that keep a draft and are not bound yet.
 * @param {Document | Element} root
 */
function draftForms(root) {
  const within = root instanceof HTMLFormElement ? [root] : [...root.querySelectorAll("form")];
  return within.filter((form) => form.matches("[data-draft-form], [data-draft-submit]") && !form.dataset.draftBound);
}

/**
 * @param {HTMLFormElement} form
 * @param {DraftKey} key
 */
async function bindAny(form, key) {
  form.dataset.draftBound = "true";
  if (isSendForm(form)) await bindSendForm(form, key);
  else await bindForm(form, key);
}

// Logging out forgets this browser's drafts first.
function forgetOnLogout() {
  for (const logout of /** @type {NodeListOf<HTMLFormElement>} */ (document.querySelectorAll("form[data-draft-logout]"))) {
    logout.addEventListener("submit", async (event) => {
      event.preventDefault();
      await drafts.forgetEverything();
      logout.submit();
    }, { once: true });
  }
}

/**
 * Online again: what waits is sent, and the page shows where it stands.
 * @param {DraftKey} key
 * @param {HTMLElement | null} overview
 */
function sendWhenOnline(key, overview) {
  window.addEventListener("online", async () => {
    refreshCsrf(await drafts.sessionKey());
    await drafts.sendOutbox();
    for (const form of /** @type {NodeListOf<HTMLFormElement>} */ (document.querySelectorAll("form[data-draft-bound]"))) {
      await showOutbox(form, form.dataset.draftForm || form.dataset.draftSubmit || "");
    }
    if (overview) await renderOverview(overview, key);
  });
}

async function start() {
  forgetOnLogout();
  const overview = document.getElementById("drafts-overview");
  if (!draftForms(document).length && !overview && !(await drafts.hasAnything())) return;

  const key = await drafts.sessionKey({ online: navigator.onLine });
  if (!key) return;
  refreshCsrf(key);
  if (navigator.onLine) await drafts.sendOutbox();
  for (const form of draftForms(document)) await bindAny(form, key);
  // htmx swaps a step's form for the one with the server's errors: that one is kept too.
  document.addEventListener("htmx:load", (event) => {
    const { elt } = /** @type {CustomEvent<{elt: Element}>} */ (event).detail;
    for (const form of draftForms(elt)) bindAny(form, key);
  });
  if (overview) {
    await renderOverview(overview, key);
    drafts.onChange(() => renderOverview(overview, key));
  }
  sendWhenOnline(key, overview);
}

// The loader (draft-loader.js) holds a send form or a logout submitted before this has bound it
// until then. "ready" also where there was nothing to do (a confirmation whose draft the loader
// already forgot).
export const started = start().then(
  () => { document.documentElement.dataset.drafts = "ready"; },
  (error) => console.warn("drafts not available", error),
);
