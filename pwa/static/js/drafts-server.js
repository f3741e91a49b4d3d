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
 * @typedef {{answers?: Record<string, FieldValue>, updated_at: string, revision: number}} RemoteDraft
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
  // The server draft's revision this page's answers are based on (0: it saw none). The server
  // refuses answers based on an older one: a page opened before a change on another device (or
  // before this browser sent the step) would take that change back.
  let revision = 0;
  // How far the server's clock is ahead of this browser's (ms), from the Date of its answer:
  // the server draft's time and the local draft's are compared on one clock. A phone whose
  // clock ran ahead kept its older answers against another device's later ones.
  let serverAhead = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  /**
   * Answers only the server knows are taken over; where both know one, the newer draft wins
   * (the server's when `newer`: it changed since this page's answers were based on it). Never
   * an answer changed on this page.
   * @param {RemoteDraft} remote
   * @param {boolean} newer
   */
  async function takeOver(remote, newer) {
    revision = remote.revision;
    // A step htmx replaced meanwhile: its successor has loaded the draft for itself.
    if (!form.isConnected) return;
    const local = await drafts.loadDraft(key, formId);
    const remoteNewer = newer || !local || Date.parse(remote.updated_at) - serverAhead > local.updated;
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

  /**
   * Sends the local draft, based on `revision`; runs in the queue of local changes, after every
   * change made before it is stored.
   * @returns {Promise<RemoteDraft | null>}  the draft as it is now, if it changed meanwhile
   */
  async function upload() {
    // A step htmx replaced (sent, or back with errors): its successor speaks for the page.
    if (!form.isConnected) return null;
    const draft = await drafts.loadDraft(key, formId);
    if (!draft || !navigator.onLine) return null;
    const response = await fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": key.csrf || "" },
      body: JSON.stringify({ step: form.dataset.draftStep, answers: draft.fields, revision }),
    }).catch(() => null);
    if (!response) return null;
    /** @type {{status?: string} & Partial<RemoteDraft>} */
    const reply = await response.json().catch(() => ({}));
    if (response.ok && typeof reply.revision === "number") revision = reply.revision;
    return response.status === 409 && reply.status === "conflict" ? /** @type {RemoteDraft} */ (reply) : null;
  }

  /**
   * Changed on another device meanwhile: its answers are taken over, this page's own changes go
   * to the server on top of them (once; the next change here tries again). A draft sent or
   * discarded meanwhile is not brought back.
   * @param {boolean} again
   */
  async function sync(again = false) {
    /** @type {RemoteDraft | null} */
    let current = null;
    await later(async () => { current = await upload(); });
    if (!current || !form.isConnected) return;
    await takeOver(current, true);
    if (!again) await sync(true);
  }

  async function load() {
    if (!navigator.onLine) return;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).catch(() => null);
    if (!response || response.status === 401 || !response.headers.get("Content-Type")?.includes("json")) return;
    loggedIn = true;
    if (!response.ok) return;
    // The header counts whole seconds: a change on the server looks up to a second later here.
    const answered = Date.parse(response.headers.get("Date") || "");
    if (!Number.isNaN(answered)) serverAhead = answered - Date.now();
    await takeOver(await response.json(), false);
  }

  function changed() {
    if (!loggedIn) return;
    clearTimeout(timer);
    timer = setTimeout(() => sync(), 1000);
  }

  return { load, changed };
}
