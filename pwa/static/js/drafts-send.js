// The check page's form ("Absenden"): the whole submission goes through the outbox, so that it
// is sent now if online and later if not.
// @ts-check
import { sendNow, showOutbox } from "./drafts-outbox.js";
import { submitUrl } from "./drafts-steps.js";

const drafts = self.portalDrafts;

/**
 * @param {HTMLFormElement} form
 * @param {DraftKey} key
 */
export async function bindSendForm(form, key) {
  const formId = form.dataset.draftSubmit || form.dataset.draftForm || "";
  form.addEventListener("submit", async (event) => {
    // An order with a fee goes on to the payment platform: online, the page's own submission
    // takes the citizen there (the server holds every step's answers by now).
    if ("pays" in form.dataset && navigator.onLine) return;
    event.preventDefault();
    if (!(await drafts.loadDraft(key, formId))) { form.submit(); return; } // answered without JS: the server's draft
    // A send form posts the submission to its own action: there is always a URL.
    await drafts.queueSubmission(key, formId, /** @type {string} */ (submitUrl(form)));
    await sendNow(form, formId);
  });
  await showOutbox(form, formId);
}
