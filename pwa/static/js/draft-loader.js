// Every page loads this instead of the drafts code (issue 17: about 22 KB compressed in thirteen
// files that a visitor who drafts nothing does not need, and no page for its first paint). It
// loads the drafts code (idb-keyval.js, draft-store.js, drafts.js and its modules) only where
// there is work for it: the page has a draft form, confirms a submission or logs out (both
// forget drafts), or this browser keeps drafts or waiting submissions (the start page lists
// them, any page sends them when online again). The versioned URLs of the two classic scripts
// are in the script element's data-scripts; a page that surely needs the drafts code names its
// modules in data-modules, to fetch them all at once rather than one level of imports after the
// other (components/drafts.html).
// @ts-check

const DATABASE = "portal-drafts";
const STORE = "records";
const SESSION_KEY = "key";
const DRAFT = "draft:"; // draft-store.js's records of drafts
const WORK = "[data-draft-form], [data-draft-submit], [data-draft-sent], [data-draft-logout]";
// A form submitted before the drafts code is there waits for it at most this long.
const HOLD_MS = 5000;
// A page that never reports its first paint (opened in a background tab, or a browser without
// paint timing) gets the drafts code this long after its load event instead.
const UNPAINTED_MS = 1000;

/**
 * Resolves once the page has painted its content. Nothing is fetched for the drafts before: on a
 * slow line the page's own files get the bandwidth, and Lighthouse counts every request that
 * ends before the largest paint into that paint (the Kita step's LCP waited for the drafts code).
 * A form cannot be typed into before it is painted, so the drafts lose nothing by waiting.
 * @returns {Promise<void>}
 */
function firstPaint() {
  return new Promise((resolve) => {
    /** @type {PerformanceObserver | undefined} */
    let observer;
    const done = () => {
      observer?.disconnect();
      resolve();
    };
    if (PerformanceObserver.supportedEntryTypes?.includes("paint")) {
      observer = new PerformanceObserver((list) => {
        if (list.getEntriesByName("first-contentful-paint").length) done();
      });
      observer.observe({ type: "paint", buffered: true });
    }
    const fallback = () => setTimeout(done, UNPAINTED_MS);
    if (document.readyState === "complete") fallback();
    else addEventListener("load", fallback, { once: true });
  });
}

/**
 * The drafts store, opened as idb-keyval does (creating its store if it is new, so that
 * idb-keyval later finds it as it would have made it); null where it cannot be had.
 * @returns {Promise<IDBDatabase | null>}
 */
function openStore() {
  return new Promise((resolve) => {
    if (!("indexedDB" in self)) return resolve(null);
    const opening = indexedDB.open(DATABASE);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onerror = () => resolve(null);
    opening.onsuccess = () => {
      const database = opening.result;
      if (database.objectStoreNames.contains(STORE)) return resolve(database);
      database.close();
      resolve(null);
    };
  });
}

/**
 * Whether the drafts store holds anything but the session's key (draft-store.js hasAnything).
 * @returns {Promise<boolean>}
 */
async function keepsDrafts() {
  const database = await openStore();
  if (!database) return false;
  return new Promise((resolve) => {
    const transaction = database.transaction(STORE);
    const reading = transaction.objectStore(STORE).getAllKeys();
    reading.onsuccess = () => resolve(reading.result.some((name) => name !== SESSION_KEY));
    reading.onerror = () => resolve(true); // cannot tell: let the drafts code look
    transaction.oncomplete = transaction.onabort = () => database.close();
  });
}

/**
 * A confirmation (data-draft-sent) ends the draft of what was sent, at once and without the
 * drafts code: a citizen who leaves the page before that comes, or whose phone never fetches
 * it, would otherwise find the sent answers in the next application of the same kind.
 * @returns {Promise<void>}
 */
async function forgetSent() {
  /** @type {string[]} */
  const sent = [];
  for (const done of document.querySelectorAll("[data-draft-sent]")) {
    if (done instanceof HTMLElement && done.dataset.draftSent) sent.push(done.dataset.draftSent);
  }
  if (!sent.length) return;
  const database = await openStore();
  if (!database) return;
  await new Promise((resolve) => {
    const deleting = database.transaction(STORE, "readwrite");
    for (const form of sent) deleting.objectStore(STORE).delete(DRAFT + form);
    deleting.oncomplete = deleting.onerror = deleting.onabort = resolve;
  });
  database.close();
  if ("BroadcastChannel" in self) {
    const channel = new BroadcastChannel(DATABASE); // draft-store.js's: other tabs drop it too
    for (const form of sent) channel.postMessage({ type: "drafts-changed", form });
    channel.close();
  }
}

/**
 * Every answer changed on the page, from its first keystroke on, by form: the drafts code,
 * coming later, never takes such an answer back with an older one from the draft
 * (drafts-fields.js edited).
 */
function trackEdits() {
  /** @type {WeakMap<HTMLFormElement, Set<string>>} */
  const edits = (self.portalEdits = new WeakMap());
  for (const type of ["input", "change"]) {
    document.addEventListener(type, (event) => {
      const target = event.target;
      const field = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement ? target : null;
      if (!field?.name || !field.form) return;
      const names = edits.get(field.form) ?? new Set();
      names.add(field.name);
      edits.set(field.form, names);
    }, { capture: true });
  }
}

/**
 * A classic script, appended: such scripts run in the order they are appended.
 * @param {string} src
 * @returns {Promise<unknown>} its loading
 */
function appendScript(src) {
  const script = document.createElement("script");
  script.src = src;
  script.async = false;
  const loaded = new Promise((resolve, reject) => {
    script.onload = resolve;
    script.onerror = reject;
  });
  loaded.catch(() => {}); // awaited once all are appended, which reports a failure
  document.head.append(script);
  return loaded;
}

/**
 * A module fetched ahead; it runs when drafts.js, or a module it imports, imports it.
 * @param {string} href
 */
function appendModulePreload(href) {
  const link = document.createElement("link");
  link.rel = "modulepreload";
  link.href = href;
  document.head.append(link);
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve));

/**
 * The drafts code, where there is work for it; resolves once it has started (bound the page's
 * forms).
 * @param {HTMLElement} loader
 * @param {Promise<void>} forgotten  the sent drafts are gone
 */
async function loadDrafts(loader, forgotten) {
  await Promise.all([firstPaint(), forgotten]);
  if (!document.querySelector(WORK) && !(await keepsDrafts())) return;
  /** @type {string[]} */
  const scripts = JSON.parse(loader.dataset.scripts || "[]");
  /** @type {string[]} */
  const modules = JSON.parse(loader.dataset.modules || "[]");
  // Each element starts a fetch, which costs the main thread a little (more under DevTools,
  // which Lighthouse drives): thirteen in one task made a long task on a slow phone, and the
  // total blocking time counts it once the page has painted. So one element a task.
  const loading = [];
  for (const src of scripts) {
    await nextTask();
    loading.push(appendScript(src));
  }
  for (const href of modules) {
    await nextTask();
    appendModulePreload(href);
  }
  await Promise.all(loading);
  const { started } = await import("./drafts.js");
  await started;
}

/**
 * Whether the drafts code would make something else of the form's submission than the page
 * does: a send form (drafts-steps.js isSendForm) goes through the outbox, a logout forgets the
 * drafts first. A step's "Weiter" goes to the server at once, as without the drafts code: held,
 * the page would not answer a click for as long as the drafts code takes to come.
 * @param {HTMLFormElement} form
 */
function heldForDrafts(form) {
  if (form.matches("[data-draft-submit], [data-draft-logout]")) return true;
  return form.matches("[data-draft-form]") && new URL(form.action, location.href).pathname.endsWith("/absenden");
}

/**
 * A citizen who sends or logs out before the drafts code has bound the form (a quick "Absenden"
 * or "Abmelden" just after the page appeared) is not served by the page alone: the submission is
 * held and submitted again once the drafts code is there (or has failed, or HOLD_MS passed),
 * which then queues it in the outbox or forgets the drafts, as it would have.
 * @param {Promise<void>} ready
 */
function holdEarlySubmits(ready) {
  /** @type {{ form: HTMLFormElement, submitter: HTMLElement | null } | null} */
  let held = null;
  /** @param {SubmitEvent} event */
  const hold = (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !heldForDrafts(form)) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // htmx neither
    held = { form, submitter: event.submitter };
  };
  document.addEventListener("submit", hold, { capture: true });
  const release = () => {
    document.removeEventListener("submit", hold, { capture: true });
    if (!held || !held.form.isConnected) return;
    const { form, submitter } = held;
    const ownButton = submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement;
    form.requestSubmit(ownButton && submitter.form === form ? submitter : null);
  };
  Promise.race([ready, new Promise((resolve) => setTimeout(resolve, HOLD_MS))]).then(release);
}

const loader = document.getElementById("draft-loader");
if (loader) {
  trackEdits();
  const forgotten = forgetSent().catch((error) => console.warn("sent draft not forgotten", error));
  holdEarlySubmits(loadDrafts(loader, forgotten).catch((error) => console.warn("drafts not available", error)));
}
