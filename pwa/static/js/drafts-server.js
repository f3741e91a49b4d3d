// A logged-in citizen's draft is also kept by the server (GET/PUT /antraege/<service>/entwurf),
// so that it can be resumed on another device. Files stay in the browser until sending.
// @ts-check
import { edited, restore, showConditionalQuestions } from "./drafts-fields.js";

const drafts = self.portalDrafts;

/**
 * @typedef {(work: () => unknown) => Promise<void>} Later  queues a change to the local draft
 *   behind the ones before it; settles when it is stored
 * @typedef {object} ServerDraft
 * @property {() => Promise<void>} load  takes over what only the server knows
 * @property {() => void} changed  an answer changed here: the server hears of it shortly
 */

/**
 * @param {HTMLFormElement} form
 * @param {string} formId
 * @param {DraftKey} key
 * @param {Later} later
 * @returns {ServerDraft}
 */
export function serverDraft(form, formId, key, later) {
  const url = `/antraege/${encodeURIComponent(formId)}/entwurf`;
  let loggedIn = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  async function upload() {
    const draft = await drafts.loadDraft(key, formId);
    if (!draft || !navigator.onLine) return;
    await fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": key.csrf || "" },
      body: JSON.stringify({ step: form.dataset.draftStep, answers: draft.fields }),
    }).catch(() => {});
  }

  // Answers only the server knows are taken over; where both know one, the newer draft wins.
  async function load() {
    if (!navigator.onLine) return;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).catch(() => null);
    if (!response || response.status === 401 || !response.headers.get("Content-Type")?.includes("json")) return;
    loggedIn = true;
    if (!response.ok) return;
    /** @type {{answers?: Record<string, FieldValue>, updated_at: string}} */
    const remote = await response.json();
    const local = await drafts.loadDraft(key, formId);
    const remoteNewer = !local || Date.parse(remote.updated_at) > local.updated;
    const taken = Object.entries(remote.answers || {}).filter(
      ([name]) => !edited(form).has(name) && (remoteNewer || !(name in (local?.fields ?? {}))));
    if (!taken.length) return;
    await later(async () => {
      for (const [name, value] of taken) await drafts.saveField(key, formId, name, value);
      if (!local?.meta) await drafts.saveMeta(key, formId, { title: document.querySelector(".kern-preline")?.textContent?.split("·")[0].trim(), url: location.pathname });
    });
    const merged = await drafts.loadDraft(key, formId);
    if (merged) restore(form, merged, { overwrite: true });
    showConditionalQuestions(form, merged);
  }

  function changed() {
    if (!loggedIn) return;
    clearTimeout(timer);
    timer = setTimeout(() => later(upload), 1000);
  }

  return { load, changed };
}
