// One step of a form, bound to its draft: what is typed is kept at once, and the step is complete
// in the draft before it goes to the server. Offline, the next step opens from the cache, or the
// whole form is offered for sending later.
// @ts-check
import { showFieldError, text } from "./drafts-dom.js";
import { SKIPPED_TYPES, edited, isEmpty, namedFields, restore, showConditionalQuestions, valueOf } from "./drafts-fields.js";
import { prepareFiles } from "./drafts-files.js";
import { offlineSendOffer, showOutbox } from "./drafts-outbox.js";
import { serverDraft } from "./drafts-server.js";
import { nextPageAvailable, pathOf, prefetchSteps, skipsItself, submitUrl } from "./drafts-steps.js";

const drafts = self.portalDrafts;

/**
 * @typedef {import("./drafts-server.js").Later} Later
 * @typedef {import("./drafts-fields.js").Field} Field
 * @typedef {object} Binding  a step's form bound to its draft
 * @property {HTMLFormElement} form
 * @property {string} formId
 * @property {DraftKey} key
 * @property {Later} later
 * @property {() => Promise<void>} saved  settles once everything queued so far is stored
 * @property {() => void} saveMeta  keeps the draft's title and page (once)
 * @property {import("./drafts-server.js").ServerDraft | null} server  for logged-in citizens
 */

/**
 * Changes are saved one after the other, in the order they were made; data-draft-state tells
 * whether everything typed is stored.
 * @param {HTMLFormElement} form
 */
function saveQueue(form) {
  let saving = Promise.resolve();
  let pending = 0;
  /** @type {Later} */
  const later = (work) => {
    pending += 1;
    form.dataset.draftState = "saving";
    saving = saving.then(work).catch((error) => console.warn("draft not saved", error)).then(() => {
      pending -= 1;
      if (!pending) form.dataset.draftState = "saved";
    });
    return saving;
  };
  return { later, saved: () => saving };
}

/**
 * The draft's title on the start page: the form's own, the service's name or the page's heading.
 * @param {HTMLFormElement} form
 */
function draftTitle(form) {
  return form.dataset.draftTitle || document.querySelector(".kern-hgroup .kern-preline")?.textContent?.split("·")[0].trim()
    || document.querySelector("h1")?.textContent?.trim() || document.title;
}

/**
 * The draft's title and page, as the page is now, kept with the first change.
 * @param {HTMLFormElement} form
 * @param {string} formId
 * @param {DraftKey} key
 * @param {Later} later
 */
function metaSaver(form, formId, key, later) {
  let metaSaved = false;
  const meta = { title: draftTitle(form), url: location.pathname };
  return () => {
    if (metaSaved) return;
    metaSaved = true;
    later(() => drafts.saveMeta(key, formId, meta));
  };
}

/**
 * Chosen files are checked and prepared before they are kept.
 * @param {Binding} binding
 * @param {HTMLInputElement} input
 */
function saveFilesOf({ formId, key, later, saveMeta }, input) {
  saveMeta();
  later(async () => {
    const files = await prepareFiles(input);
    if (files) await drafts.saveFiles(key, formId, input.name, files);
  });
}

/**
 * Keeps every answer as it is typed or chosen (input and change events).
 * @param {Binding} binding
 * @returns {(event: Event) => void}
 */
function onEdit(binding) {
  const { form, formId, key, later } = binding;
  return (event) => {
    const target = /** @type {Field} */ (event.target);
    if (!target.name || target.form !== form) return;
    edited(form).add(target.name);
    if (target.type === "file") {
      if (event.type === "change") saveFilesOf(binding, /** @type {HTMLInputElement} */ (target));
      return;
    }
    if (SKIPPED_TYPES.includes(target.type)) return;
    binding.saveMeta();
    showConditionalQuestions(form);
    const value = valueOf(namedFields(form).get(target.name) ?? [target]);
    later(() => drafts.saveField(key, formId, target.name, value));
    binding.server?.changed();
  };
}

/**
 * Another tab changed this draft: its answers show here too (never under the cursor).
 * @param {Binding} binding
 */
function followOtherTabs({ form, formId, key }) {
  drafts.onChange(async (message) => {
    if (message.form !== formId || !form.isConnected) return;
    const fresh = await drafts.loadDraft(key, formId);
    if (fresh) restore(form, fresh, { overwrite: true });
    showConditionalQuestions(form, fresh);
    await showOutbox(form, formId);
  });
}

/**
 * Keeps the page's answers, typed or not (the server may have filled some in, e.g. from the
 * eID): all of them, or with a draft those it lacks and the page has, and those changed on the
 * page before it was bound to the draft.
 * @param {Binding} binding
 * @param {Draft | null} [draft]
 */
function saveAnswers({ form, formId, key, later }, draft = null) {
  const changed = edited(form);
  for (const [name, elements] of namedFields(form)) {
    if (draft && !changed.has(name) && (name in draft.fields || isEmpty(elements))) continue;
    const value = valueOf(elements);
    later(() => drafts.saveField(key, formId, name, value));
  }
}

/**
 * Online, once the draft is complete: the step goes to the server after all.
 * @param {HTMLFormElement} form
 * @param {HTMLElement | null} submitter  the button that was pressed
 */
function passOn(form, submitter) {
  form.dataset.draftPassing = "true";
  // In a task of its own: when nothing was left to save, this runs while the browser is still
  // dispatching the first submit event, and a submit requested then is dropped.
  setTimeout(() => form.requestSubmit(submitter), 0);
}

/**
 * Offline: on to the next step if this browser keeps it; after the last step (the check page
 * comes next), the offer to send it all later; never with steps still to come, which the
 * citizen has not answered yet.
 * @param {Binding} binding
 */
async function goOnOffline({ form, formId }) {
  const next = form.dataset.next;
  const url = submitUrl(form);
  const last = !next || pathOf(next).endsWith("/pruefen");
  if (next && (await nextPageAvailable(next))) location.assign(next);
  else if (url && last) offlineSendOffer(form, formId, url);
  else showFieldError(/** @type {HTMLButtonElement | null} */ (form.querySelector("[type=submit]")) || form, text("offline-next"));
}

/**
 * Captured, so that it runs before htmx's own submit handler: the draft is complete before the
 * step goes to the server, and offline nothing is posted at all.
 * @param {Binding} binding
 */
function holdSubmit(binding) {
  const { form } = binding;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.draftPassing) {
      delete form.dataset.draftPassing;
      return; // saved: now the server checks the step and leads on
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const online = navigator.onLine;
    if (!online && !form.reportValidity()) return;
    binding.saveMeta();
    saveAnswers(binding);
    await binding.saved();
    if (online) passOn(form, event.submitter);
    else await goOnOffline(binding);
  }, { capture: true });
}

/**
 * Binds a step's form (form[data-draft-form]) to its draft in this browser.
 * @param {HTMLFormElement} form
 * @param {DraftKey} key
 */
export async function bindForm(form, key) {
  const formId = form.dataset.draftForm ?? "";
  const { later, saved } = saveQueue(form);
  const draft = await drafts.loadDraft(key, formId);
  if (skipsItself(form, draft)) return;
  if (draft) restore(form, draft, { overwrite: false });
  showConditionalQuestions(form, draft);
  /** @type {Binding} */
  const binding = {
    form, formId, key, later, saved,
    saveMeta: metaSaver(form, formId, key, later),
    server: form.dataset.draftStep && key.citizen ? serverDraft(form, formId, key, later) : null,
  };
  const edit = onEdit(binding);
  form.addEventListener("input", edit);
  form.addEventListener("change", edit);
  followOtherTabs(binding);
  if (draft) saveAnswers(binding, draft);
  else if (edited(form).size) {
    binding.saveMeta();
    saveAnswers(binding);
  }
  holdSubmit(binding);
  await binding.server?.load();
  await showOutbox(form, formId);
  if (navigator.onLine) prefetchSteps(form.dataset.next);
}
