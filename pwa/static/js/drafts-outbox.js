// Submissions waiting in the outbox, as the page shows them: a panel above the form, the
// server's objections at the fields, and the offer to send while offline.
// @ts-check
import { element, showFieldError, text } from "./drafts-dom.js";

const drafts = self.portalDrafts;
const SYNC_TAG = "portal-outbox";

/**
 * A waiting submission the server answered "not now" (5xx, 408, 429): the device is online,
 * the city's service is not ready.
 * @param {OutboxEntry} entry
 */
function serverBusy(entry) {
  return entry.status === "waiting" && Boolean(entry.result?.httpStatus);
}

/**
 * One line on where a submission stands (also on the start page).
 * @param {OutboxEntry} entry
 */
export function statusLine(entry) {
  const result = entry.result ?? {};
  const line = element("p", { class: "kern-body" });
  if (entry.status === "waiting") line.append(text(serverBusy(entry) ? "waiting-server" : "waiting"));
  if (entry.status === "eingegangen") {
    line.append(text("arrived", { reference: result.reference ?? "" }));
    if (result.url) {
      line.append(" ", element("a", { class: "kern-link", href: result.url }, text("receipt")));
    }
  }
  if (entry.status === "invalid") {
    line.append(text("invalid"), " ", element("a", { class: "kern-link", href: result.stepUrl || "#" }, text("correct")));
  }
  if (entry.status === "failed") line.append(result.message ?? text("failed"));
  return line;
}

/**
 * @param {HTMLFormElement} form
 * @param {OutboxEntry} entry
 */
function outboxPanel(form, entry) {
  const kind = entry.status === "eingegangen" ? "success" : entry.status === "waiting" ? "info" : "danger";
  const body = element("div", { class: "kern-alert__body" }, statusLine(entry));
  const panel = element("div", { class: `kern-alert kern-alert--${kind}`, role: "status", "data-outbox-panel": entry.status },
    element("div", { class: "kern-alert__header" },
      element("span", { class: `kern-icon kern-icon--${kind}`, "aria-hidden": "true" }),
      element("span", { class: "kern-title" }, text(serverBusy(entry) ? "title-waiting-server" : `title-${entry.status}`))),
    body);
  if (entry.status !== "waiting") {
    const again = element("button", { class: "kern-btn kern-btn--secondary kern-btn--x-small", type: "button" },
      element("span", { class: "kern-label" }, text("dismiss")));
    again.addEventListener("click", async () => {
      await drafts.dismiss(entry.id);
      panel.remove();
      form.hidden = false;
    });
    body.append(again);
  }
  return panel;
}

/**
 * The server's objections, as it shows them itself: at the fields and in a summary on top.
 * @param {HTMLFormElement} form
 * @param {Record<string, string[]>} errors  messages by field name
 */
function showServerErrors(form, errors) {
  const items = [];
  for (const [name, messages] of Object.entries(errors)) {
    const field = form.elements.namedItem(name);
    const input = /** @type {HTMLInputElement | null} */ (field instanceof RadioNodeList ? field[0] : field);
    if (!input) {
      items.push(element("li", {}, messages[0])); // not on this page, still worth knowing
      continue;
    }
    showFieldError(input, messages[0]);
    items.push(element("li", {}, element("a", { class: "kern-link", href: `#${input.id}` }, messages[0])));
  }
  if (!items.length) return;
  const summary = element("div", {
    class: "kern-alert kern-alert--danger", role: "alert", tabindex: "-1", id: "error-summary",
    "data-error-summary": "", "data-title-prefix": text("error-prefix"),
  },
    element("div", { class: "kern-alert__header" },
      element("span", { class: "kern-icon kern-icon--danger", "aria-hidden": "true" }),
      element("span", { class: "kern-title" }, text("check"))),
    element("div", { class: "kern-alert__body" }, element("ul", { class: "kern-list" }, ...items)));
  form.prepend(summary);
  summary.focus();
  // js/error-summary.js puts "Fehler:" before the title, as for a summary the server sent.
  document.dispatchEvent(new Event("portal:error-summary"));
}

/**
 * Shows where the form's latest submission stands; a refused one where it can be corrected.
 * @param {HTMLFormElement} form
 * @param {string} formId
 */
export async function showOutbox(form, formId) {
  const [latest] = await drafts.outboxFor(formId);
  form.parentElement?.querySelector("[data-outbox-panel]")?.remove();
  if (!latest) return;
  if (latest.status === "invalid") {
    const { stepUrl, errors } = latest.result ?? {};
    if (stepUrl && new URL(stepUrl, location.href).pathname !== location.pathname) {
      // Another page of the same form: back to the step that needs correcting.
      location.assign(stepUrl);
      return;
    }
    // Shown once, where it can be corrected; the next "Absenden" is checked afresh.
    if (!form.querySelector("#error-summary")) showServerErrors(form, errors ?? {});
    await drafts.dismiss(latest.id);
    return;
  }
  form.hidden = latest.status === "waiting" || latest.status === "eingegangen";
  form.before(outboxPanel(form, latest));
}

async function registerSync() {
  const registration = await navigator.serviceWorker?.ready;
  await registration?.sync?.register(SYNC_TAG).catch(() => {});
}

/**
 * Sends what waits (if online) and goes where the answer leads: the receipt, the step to
 * correct, or the panel saying that the submission waits for a connection.
 * @param {HTMLFormElement} form
 * @param {string} formId
 */
export async function sendNow(form, formId) {
  if (navigator.onLine) await drafts.sendOutbox();
  const [latest] = await drafts.outboxFor(formId);
  const next = latest?.status === "invalid" ? latest.result?.stepUrl
    : latest?.status === "eingegangen" ? latest.result?.url : null;
  if (next) {
    location.assign(next);
    return;
  }
  await showOutbox(form, formId);
  if (latest?.status === "waiting") await registerSync();
}

/**
 * Offline, where the check page cannot open: offers to send the form as the draft holds it.
 * @param {HTMLFormElement} form
 * @param {string} formId
 * @param {string} url  where the whole submission goes
 */
export function offlineSendOffer(form, formId, url) {
  form.parentElement?.querySelector("[data-offline-send]")?.remove();
  const button = element("button", { class: "kern-btn kern-btn--primary", type: "button" },
    element("span", { class: "kern-label" }, text("send-offline")));
  const offer = element("div", { class: "kern-alert kern-alert--info", role: "status", "data-offline-send": "" },
    element("div", { class: "kern-alert__header" },
      element("span", { class: "kern-icon kern-icon--info", "aria-hidden": "true" }),
      element("span", { class: "kern-title" }, text("offline-title"))),
    element("div", { class: "kern-alert__body" }, element("p", { class: "kern-body" }, text("offline-offer")), button));
  button.addEventListener("click", async () => {
    offer.remove();
    const key = await drafts.sessionKey({ online: false });
    if (!key) return; // logged out in another tab meanwhile: the draft is gone with the key
    await drafts.queueSubmission(key, formId, url);
    await sendNow(form, formId);
  });
  form.after(offer);
  button.focus();
}
