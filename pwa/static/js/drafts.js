// Keeps what is typed into every form[data-draft-form] in this browser (encrypted, see
// draft-store.js) until it is sent, so that closing the tab or losing the connection loses
// nothing; sends offline by queueing; lists the drafts on the start page. Texts come translated
// from the page (<template id="draft-texts">); this module only places them.
const drafts = self.portalDrafts;
const SKIPPED_TYPES = ["hidden", "submit", "button", "reset", "password", "file", "image"];
const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const DEFAULT_MAX_IMAGE_PX = 2000;
const SYNC_TAG = "portal-outbox";

// --- texts from the page ---------------------------------------------------------------------

function text(name, values = {}) {
  const source = document.getElementById("draft-texts")?.content.querySelector(`[data-text="${name}"]`);
  let result = source ? source.textContent.trim() : name;
  for (const [placeholder, value] of Object.entries(values)) result = result.replace(`{${placeholder}}`, () => value);
  return result;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// --- reading and filling a form --------------------------------------------------------------

function namedFields(form) {
  const groups = new Map();
  for (const el of form.elements) {
    if (!el.name || SKIPPED_TYPES.includes(el.type)) continue;
    if (!groups.has(el.name)) groups.set(el.name, []);
    groups.get(el.name).push(el);
  }
  return groups;
}

function valueOf(elements) {
  const first = elements[0];
  if (first.type === "radio") return elements.find((el) => el.checked)?.value ?? "";
  if (first.type === "checkbox") return elements.filter((el) => el.checked).map((el) => el.value);
  if (first.multiple) return [...first.selectedOptions].map((option) => option.value);
  return elements.length > 1 ? elements.map((el) => el.value) : first.value;
}

function isEmpty(elements) {
  const value = valueOf(elements);
  return Array.isArray(value) ? value.every((item) => !item) : !value;
}

function fill(elements, value) {
  const values = Array.isArray(value) ? value.map(String) : [String(value)];
  const first = elements[0];
  if (first.type === "radio" || first.type === "checkbox") {
    for (const el of elements) el.checked = values.includes(el.value);
  } else if (first.multiple) {
    for (const option of first.options) option.selected = values.includes(option.value);
  } else if (elements.length > 1) {
    elements.forEach((el, index) => { el.value = values[index] ?? ""; });
  } else {
    first.value = values[0] ?? "";
  }
}

function putFiles(input, files) {
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
}

// After the server sent a step back with errors, what it shows is what was sent: it wins.
// Answers the citizen changed on this page since it opened: never overwritten by a draft that
// arrives later (from the server or another tab) while the page was still loading it.
const editedHere = new WeakMap();
function edited(form) {
  if (!editedHere.has(form)) editedHere.set(form, new Set());
  return editedHere.get(form);
}

function restore(form, draft, { overwrite }) {
  const serverEchoed = Boolean(form.querySelector("#error-summary"));
  for (const [name, elements] of namedFields(form)) {
    if (!(name in draft.fields) || edited(form).has(name)) continue;
    if (serverEchoed && !overwrite && !isEmpty(elements)) continue;
    if (!overwrite || !elements.includes(document.activeElement)) fill(elements, draft.fields[name]);
  }
  // The server keeps the files it already received with an echoed page; never send them twice.
  for (const input of serverEchoed ? [] : form.querySelectorAll("input[type=file][name]")) {
    const files = draft.files[input.name];
    if (files && files.length && (overwrite || !input.files.length)) putFiles(input, files);
  }
}

// --- files -----------------------------------------------------------------------------------

function accepts(input, file) {
  const accepted = (input.accept || "").split(",").map((item) => item.trim().toLowerCase()).filter(Boolean);
  if (!accepted.length) return true;
  const name = file.name.toLowerCase();
  const type = (file.type || "").toLowerCase();
  return accepted.some((rule) => (rule.startsWith(".") ? name.endsWith(rule)
    : rule.endsWith("/*") ? type.startsWith(rule.slice(0, -1)) : type === rule));
}

function megabytes(bytes) {
  return (bytes / 1048576).toLocaleString(document.documentElement.lang || "de", { maximumFractionDigits: 1 });
}

// Limits come from the server's settings, on the input or on the question or form around it.
function limitOf(input, name) {
  const attribute = `data-${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  return Number(input.closest(`[${attribute}]`)?.getAttribute(attribute) || 0);
}

const maxBytesOf = (input) => limitOf(input, "maxBytes");

function fileProblem(input, file) {
  if (!accepts(input, file)) return text("file-type", { name: file.name });
  const maxBytes = maxBytesOf(input);
  if (maxBytes && file.size > maxBytes && !IMAGE_TYPES.includes(file.type)) {
    return text("file-size", { name: file.name, mb: megabytes(maxBytes) });
  }
  return null;
}

// Photos from a phone camera are many megabytes; the office needs far less.
async function downscale(file, maxPixels) {
  if (!IMAGE_TYPES.includes(file.type)) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file; // not readable as an image here: the server checks it by its content
  }
  const scale = Math.min(1, maxPixels / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.type !== "image/png") return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; // JPEG has no transparency: white, as on paper
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob || (scale === 1 && blob.size >= file.size)) return file;
  return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
}

function showFieldError(input, message) {
  const id = `${input.id || input.name}-draft-error`;
  document.getElementById(id)?.remove();
  input.removeAttribute("aria-invalid");
  if (!message) return;
  const error = element("p", { class: "kern-error", id, role: "alert" },
    element("span", { class: "kern-icon kern-icon--danger", "aria-hidden": "true" }),
    element("span", { class: "kern-body" }, message));
  input.before(error);
  input.setAttribute("aria-invalid", "true");
}

async function prepareFiles(input) {
  const files = [...input.files];
  const problem = files.map((file) => fileProblem(input, file)).find(Boolean);
  showFieldError(input, problem);
  if (problem) {
    input.value = "";
    return null;
  }
  const maxPixels = limitOf(input, "maxImagePx") || DEFAULT_MAX_IMAGE_PX;
  const prepared = await Promise.all(files.map((file) => downscale(file, maxPixels)));
  const maxBytes = maxBytesOf(input);
  const tooLarge = prepared.find((file) => maxBytes && file.size > maxBytes);
  if (tooLarge) {
    showFieldError(input, text("file-size", { name: tooLarge.name, mb: megabytes(maxBytes) }));
    input.value = "";
    return null;
  }
  if (prepared.some((file, index) => file !== files[index])) putFiles(input, prepared);
  return prepared;
}

// --- the outbox shown in the page ------------------------------------------------------------

function statusLine(entry) {
  const line = element("p", { class: "kern-body" });
  if (entry.status === "waiting") line.append(text("waiting"));
  if (entry.status === "eingegangen") {
    line.append(text("arrived", { reference: entry.result.reference }));
    if (entry.result.url) {
      line.append(" ", element("a", { class: "kern-link", href: entry.result.url }, text("receipt")));
    }
  }
  if (entry.status === "invalid") {
    line.append(text("invalid"), " ", element("a", { class: "kern-link", href: entry.result.stepUrl || "#" }, text("correct")));
  }
  if (entry.status === "failed") line.append(text("failed"));
  return line;
}

function outboxPanel(form, entry) {
  const kind = entry.status === "eingegangen" ? "success" : entry.status === "waiting" ? "info" : "danger";
  const panel = element("div", { class: `kern-alert kern-alert--${kind}`, role: "status", "data-outbox-panel": entry.status },
    element("div", { class: "kern-alert__header" },
      element("span", { class: `kern-icon kern-icon--${kind}`, "aria-hidden": "true" }),
      element("span", { class: "kern-title" }, text(`title-${entry.status}`))),
    element("div", { class: "kern-alert__body" }, statusLine(entry)));
  if (entry.status !== "waiting") {
    const again = element("button", { class: "kern-btn kern-btn--secondary kern-btn--x-small", type: "button" },
      element("span", { class: "kern-label" }, text("dismiss")));
    again.addEventListener("click", async () => {
      await drafts.dismiss(entry.id);
      panel.remove();
      form.hidden = false;
    });
    panel.querySelector(".kern-alert__body").append(again);
  }
  return panel;
}

function showServerErrors(form, errors) {
  const items = [];
  for (const [name, messages] of Object.entries(errors)) {
    const field = form.elements[name];
    const input = field instanceof RadioNodeList ? field[0] : field;
    if (!input) {
      items.push(element("li", {}, messages[0])); // not on this page, still worth knowing
      continue;
    }
    showFieldError(input, messages[0]);
    items.push(element("li", {}, element("a", { class: "kern-link", href: `#${input.id}` }, messages[0])));
  }
  if (!items.length) return;
  const summary = element("div", { class: "kern-alert kern-alert--danger", role: "alert", tabindex: "-1", id: "error-summary" },
    element("div", { class: "kern-alert__header" },
      element("span", { class: "kern-icon kern-icon--danger", "aria-hidden": "true" }),
      element("span", { class: "kern-title" }, text("check"))),
    element("div", { class: "kern-alert__body" }, element("ul", { class: "kern-list" }, ...items)));
  form.prepend(summary);
  summary.focus();
}

async function showOutbox(form, formId) {
  const [latest] = await drafts.outboxFor(formId);
  form.parentElement.querySelector("[data-outbox-panel]")?.remove();
  if (!latest) return;
  if (latest.status === "invalid") {
    const here = !latest.result.stepUrl || new URL(latest.result.stepUrl, location.href).pathname === location.pathname;
    if (here) {
      // Shown once, where it can be corrected; the next "Absenden" is checked afresh.
      if (!form.querySelector("#error-summary")) showServerErrors(form, latest.result.errors);
      await drafts.dismiss(latest.id);
      return;
    }
    // Another page of the same form: back to the step that needs correcting.
    location.assign(latest.result.stepUrl);
    return;
  }
  form.hidden = latest.status === "waiting" || latest.status === "eingegangen";
  form.before(outboxPanel(form, latest));
}

async function sendNow(form, formId) {
  if (navigator.onLine) await drafts.sendOutbox();
  const [latest] = await drafts.outboxFor(formId);
  const next = latest?.status === "invalid" ? latest.result.stepUrl
    : latest?.status === "eingegangen" ? latest.result.url : null;
  if (next) {
    location.assign(next);
    return;
  }
  await showOutbox(form, formId);
  if (latest?.status === "waiting") await registerSync();
}

async function registerSync() {
  const registration = await navigator.serviceWorker?.ready;
  await registration?.sync?.register(SYNC_TAG).catch(() => {});
}

// --- one form --------------------------------------------------------------------------------

const pathOf = (url) => url && new URL(url, location.href).pathname;

// Where the whole submission goes: the check page's form posts there itself; a step names it.
function submitUrl(form) {
  const own = pathOf(form.action);
  if (form.dataset.draftSubmit !== undefined || own.endsWith("/absenden")) return own;
  if (form.dataset.submitUrl) return pathOf(form.dataset.submitUrl);
  const next = pathOf(form.dataset.next);
  return next && next.endsWith("/pruefen") ? next.replace(/pruefen$/, "absenden") : null;
}

const isSendForm = (form) => form.dataset.draftSubmit !== undefined || pathOf(form.action).endsWith("/absenden");

async function nextPageAvailable(url) {
  return Boolean(await caches.match(url, { ignoreVary: true }));
}

function offlineSendOffer(form, formId, url) {
  form.parentElement.querySelector("[data-offline-send]")?.remove();
  const button = element("button", { class: "kern-btn kern-btn--primary", type: "button" },
    element("span", { class: "kern-label" }, text("send-offline")));
  const offer = element("div", { class: "kern-alert kern-alert--info", role: "status", "data-offline-send": "" },
    element("div", { class: "kern-alert__header" },
      element("span", { class: "kern-icon kern-icon--info", "aria-hidden": "true" }),
      element("span", { class: "kern-title" }, text("offline-title"))),
    element("div", { class: "kern-alert__body" }, element("p", { class: "kern-body" }, text("offline-offer")), button));
  button.addEventListener("click", async () => {
    offer.remove();
    await drafts.queueSubmission(await drafts.sessionKey({ online: false }), formId, url);
    await sendNow(form, formId);
  });
  form.after(offer);
  button.focus();
}

function answerMatches(value, wanted) {
  const values = Array.isArray(value) ? value : [value];
  return values.some((item) => wanted.split(" ").includes(String(item)));
}

// A question that applies only under a condition is shown only when the answer says so.
function showConditionalQuestions(form) {
  const fields = namedFields(form);
  for (const block of form.querySelectorAll("[data-show-when-field]")) {
    const source = fields.get(block.dataset.showWhenField);
    if (!source) continue;
    block.hidden = !answerMatches(valueOf(source), block.dataset.showWhenValues || "");
    // A hidden question is not asked: neither checked by the browser nor sent.
    for (const input of block.querySelectorAll("input, select, textarea")) input.disabled = block.hidden;
  }
}

// Offline nobody asks the server which step comes next: a step whose condition does not hold
// for the draft's answers passes on to the one after it.
function skipsItself(form, draft) {
  const field = form.dataset.whenField;
  if (navigator.onLine || !field || !form.dataset.skip || !draft) return false;
  if (answerMatches(draft.fields[field] ?? "", form.dataset.whenValues || "")) return false;
  location.replace(form.dataset.skip);
  return true;
}

async function bindSendForm(form, key) {
  const formId = form.dataset.draftSubmit || form.dataset.draftForm;
  form.addEventListener("submit", async (event) => {
    // An order with a fee goes on to the payment platform: online, the page's own submission
    // takes the citizen there (the server holds every step's answers by now).
    if ("pays" in form.dataset && navigator.onLine) return;
    event.preventDefault();
    if (!(await drafts.loadDraft(key, formId))) { form.submit(); return; } // answered without JS: the server's draft
    await drafts.queueSubmission(key, formId, submitUrl(form));
    await sendNow(form, formId);
  });
  await showOutbox(form, formId);
}

async function bindForm(form, key) {
  const formId = form.dataset.draftForm;
  // Changes are saved one after the other, in the order they were made; data-draft-state tells
  // whether everything typed is stored.
  let saving = Promise.resolve();
  let pending = 0;
  const later = (work) => {
    pending += 1;
    form.dataset.draftState = "saving";
    saving = saving.then(work).catch((error) => console.warn("draft not saved", error)).then(() => {
      pending -= 1;
      if (!pending) form.dataset.draftState = "saved";
    });
    return saving;
  };
  const draft = await drafts.loadDraft(key, formId);
  if (skipsItself(form, draft)) return;
  if (draft) restore(form, draft, { overwrite: false });
  showConditionalQuestions(form);

  let metaSaved = false;
  const meta = {
    title: form.dataset.draftTitle || document.querySelector(".kern-hgroup .kern-preline")?.textContent.split("·")[0].trim()
      || document.querySelector("h1")?.textContent.trim() || document.title,
    url: location.pathname,
  };
  const saveMeta = () => { if (!metaSaved) { metaSaved = true; later(() => drafts.saveMeta(key, formId, meta)); } };
  const server = form.dataset.draftStep && key.citizen ? serverDraft(form, formId, key, later) : null;

  const onEdit = (event) => {
    const target = event.target;
    if (!target.name || target.form !== form) return;
    edited(form).add(target.name);
    if (target.type === "file") {
      if (event.type !== "change") return;
      saveMeta();
      later(async () => {
        const files = await prepareFiles(target);
        if (files) await drafts.saveFiles(key, formId, target.name, files);
      });
      return;
    }
    if (SKIPPED_TYPES.includes(target.type)) return;
    saveMeta();
    showConditionalQuestions(form);
    const value = valueOf(namedFields(form).get(target.name));
    later(() => drafts.saveField(key, formId, target.name, value));
    server?.changed();
  };
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);

  // Another tab changed this draft: show its answers here too (never under the cursor).
  drafts.onChange(async (message) => {
    if (message.form !== formId || !form.isConnected) return;
    const fresh = await drafts.loadDraft(key, formId);
    if (fresh) restore(form, fresh, { overwrite: true });
    showConditionalQuestions(form);
    await showOutbox(form, formId);
  });

  // Everything on the page goes into the draft, typed or not (the server may have filled in
  // answers, e.g. from the eID), before the page is left.
  const saveAll = () => {
    for (const [name, elements] of namedFields(form)) {
      const value = valueOf(elements);
      later(() => drafts.saveField(key, formId, name, value));
    }
  };
  if (draft) {
    for (const [name, elements] of namedFields(form)) {
      if (!(name in draft.fields) && !isEmpty(elements)) {
        const value = valueOf(elements);
        later(() => drafts.saveField(key, formId, name, value));
      }
    }
  }

  // Captured, so that it runs before htmx's own submit handler: the draft is complete before
  // the step goes to the server, and offline nothing is posted at all.
  form.addEventListener("submit", async (event) => {
    if (form.dataset.draftPassing) {
      delete form.dataset.draftPassing;
      return; // saved: now the server checks the step and leads on
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const online = navigator.onLine;
    if (!online && !form.reportValidity()) return;
    saveMeta();
    saveAll();
    await saving;
    if (online) {
      form.dataset.draftPassing = "true";
      // In a task of its own: when nothing was left to save, this runs while the browser is
      // still dispatching the first submit event, and a submit requested then is dropped.
      const submitter = event.submitter;
      setTimeout(() => form.requestSubmit(submitter), 0);
      return;
    }
    const next = form.dataset.next;
    const url = submitUrl(form);
    if (next && (await nextPageAvailable(next))) location.assign(next);
    else if (url) offlineSendOffer(form, formId, url);
    else showFieldError(form.querySelector("[type=submit]") || form, text("offline-next"));
  }, { capture: true });

  await server?.load();
  await showOutbox(form, formId);
  if (navigator.onLine) prefetchSteps(form.dataset.next);
}

// Step pages are the same for everyone: fetched ahead through the service worker, which keeps
// them for offline use (this page too, if it was opened before the worker took over).
async function prefetchSteps(first) {
  if (!navigator.serviceWorker || !location.pathname.startsWith("/antraege/")) return;
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
  const asPage = { credentials: "same-origin", headers: { Accept: "text/html" } };
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
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      url = page.querySelector("form[data-next]")?.dataset.next;
    } catch {
      break;
    }
  }
  document.documentElement.dataset.stepsKept = "true";
}

// --- the draft on the server, for logged-in citizens -----------------------------------------

// A logged-in citizen's draft is also kept by the server (GET/PUT /antraege/<service>/entwurf),
// so that it can be resumed on another device. Files stay in the browser until sending.
function serverDraft(form, formId, key, later) {
  const url = `/antraege/${encodeURIComponent(formId)}/entwurf`;
  let loggedIn = false;
  let timer = null;

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
    const remote = await response.json();
    const local = await drafts.loadDraft(key, formId);
    const remoteNewer = !local || Date.parse(remote.updated_at) > local.updated;
    const taken = Object.entries(remote.answers || {}).filter(
      ([name]) => !edited(form).has(name) && (remoteNewer || !(name in local.fields)));
    if (!taken.length) return;
    await later(async () => {
      for (const [name, value] of taken) await drafts.saveField(key, formId, name, value);
      if (!local?.meta) await drafts.saveMeta(key, formId, { title: document.querySelector(".kern-preline")?.textContent.split("·")[0].trim(), url: location.pathname });
    });
    const merged = await drafts.loadDraft(key, formId);
    if (merged) restore(form, merged, { overwrite: true });
    showConditionalQuestions(form);
  }

  function changed() {
    if (!loggedIn) return;
    clearTimeout(timer);
    timer = setTimeout(() => later(upload), 1000);
  }

  return { load, changed };
}

// --- the start page: drafts and submissions of this session --------------------------------

function formatTime(timestamp) {
  return new Date(timestamp).toLocaleString(document.documentElement.lang || "de", { dateStyle: "medium", timeStyle: "short" });
}

async function renderOverview(section, key) {
  const { drafts: open, outbox } = await drafts.listAll(key);
  const list = section.querySelector("ul");
  list.replaceChildren();
  for (const draft of open) {
    if (!draft.meta?.url) continue;
    list.append(element("li", { "data-draft-entry": draft.form },
      element("a", { class: "kern-link", href: draft.meta.url }, draft.meta.title || text("untitled")),
      " ", element("span", { class: "kern-body kern-body--small" }, text("changed", { time: formatTime(draft.updated) }))));
  }
  for (const entry of outbox) {
    const item = element("li", { "data-outbox-entry": entry.status }, element("strong", {}, entry.meta?.title || text("untitled")), statusLine(entry));
    list.append(item);
  }
  section.hidden = !list.children.length;
}

// --- start -----------------------------------------------------------------------------------

// A page that came out of the offline cache carries an old CSRF token; online again, it gets
// the session's current one before anything is sent.
function refreshCsrf(key) {
  if (!key?.csrf) return;
  for (const input of document.querySelectorAll("input[name=csrf_token]")) input.value = key.csrf;
  document.querySelector("meta[name=csrf-token]")?.setAttribute("content", key.csrf);
  if (document.body.hasAttribute("hx-headers")) {
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": key.csrf }));
  }
}

function draftForms(root) {
  const within = root.matches?.("form") ? [root] : [...root.querySelectorAll("form")];
  return within.filter((form) => form.matches("[data-draft-form], [data-draft-submit]") && !form.dataset.draftBound);
}

async function bindAny(form, key) {
  form.dataset.draftBound = "true";
  if (isSendForm(form)) await bindSendForm(form, key);
  else await bindForm(form, key);
}

async function start() {
  for (const logout of document.querySelectorAll("form[data-draft-logout]")) {
    logout.addEventListener("submit", async (event) => {
      event.preventDefault();
      await drafts.forgetEverything();
      logout.submit();
    }, { once: true });
  }
  const overview = document.getElementById("drafts-overview");
  const sent = [...document.querySelectorAll("[data-draft-sent]")];
  if (!draftForms(document).length && !overview && !(await drafts.hasAnything())) return;

  const key = await drafts.sessionKey({ online: navigator.onLine });
  for (const done of sent) await drafts.deleteDraft(done.dataset.draftSent);
  if (!key) return;
  refreshCsrf(key);
  if (navigator.onLine) await drafts.sendOutbox();
  for (const form of draftForms(document)) await bindAny(form, key);
  // htmx swaps a step's form for the one with the server's errors: that one is kept too.
  document.addEventListener("htmx:load", (event) => {
    for (const form of draftForms(event.detail.elt)) bindAny(form, key);
  });
  if (overview) {
    await renderOverview(overview, key);
    drafts.onChange(() => renderOverview(overview, key));
  }
  window.addEventListener("online", async () => {
    refreshCsrf(await drafts.sessionKey());
    await drafts.sendOutbox();
    for (const form of document.querySelectorAll("form[data-draft-bound]")) {
      await showOutbox(form, form.dataset.draftForm || form.dataset.draftSubmit);
    }
    if (overview) await renderOverview(overview, key);
  });
  document.documentElement.dataset.drafts = "ready";
}

start().catch((error) => console.warn("drafts not available", error));
