// The drafts and the outbox of waiting submissions, encrypted in IndexedDB. Shared by the pages
// (drafts.js) and the service worker (Background Sync), so it is a classic script that defines
// `self.portalDrafts`; it needs idb-keyval's UMD build (`self.idbKeyval`) loaded before it.
//
// Records (one IndexedDB store, keys as strings):
//   "key"            {id, cryptoKey}   this session's AES-GCM key (non-extractable), from the server
//   "draft:<form>"   {form, keyId, updated, meta, fields: {name: sealed}, files: {name: sealed}}
//   "outbox:<uuid>"  {id, form, keyId, action, created, status, meta, fields, files, result}
// Every answer, file and title is sealed (AES-GCM, fresh IV) with the browser's key; after a
// logout the server hands out a new key, and everything sealed with the old one is deleted.
// @ts-check

/**
 * @typedef {{iv: Uint8Array<ArrayBuffer>, data: ArrayBuffer}} Sealed  AES-GCM ciphertext and its IV
 * @typedef {{about: Sealed, content: Sealed}} SealedFile  a file's name and type, and its bytes
 * @typedef {{
 *   form: string, keyId: string, updated: number, meta: Sealed | null,
 *   fields: Record<string, Sealed>, files: Record<string, SealedFile[]>,
 * }} DraftRecord
 * @typedef {{
 *   id: string, form: string, keyId: string, action: string, created: number,
 *   status: OutboxStatus, result: OutboxResult | null, meta: Sealed | null,
 *   fields: Record<string, Sealed> | null, files: Record<string, SealedFile[]> | null,
 * }} OutboxRecord
 * @typedef {{id: string, cryptoKey: CryptoKey}} StoredKey
 */

(() => {
  "use strict";
  const { createStore, get, set, del, update, entries, keys, clear } = self.idbKeyval;
  const store = createStore("portal-drafts", "records");
  const KEY_URL = "/entwuerfe/schluessel";
  const DRAFT = "draft:";
  const OUTBOX = "outbox:";
  const channel = "BroadcastChannel" in self ? new BroadcastChannel("portal-drafts") : null;

  // --- the session's key ---------------------------------------------------------------------

  /** @param {string} text */
  function base64urlToBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)),
      (char) => char.charCodeAt(0));
  }

  // Asks the server for this browser's key. Offline, the key stored last is used; a different id
  // means someone logged out: the old drafts cannot be read and are deleted.
  /** @returns {Promise<DraftKey | null>} */
  async function fetchSessionKey() {
    let answer;
    try {
      const response = await fetch(KEY_URL, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return null;
      answer = await response.json();
    } catch {
      return null; // offline
    }
    /** @type {StoredKey | undefined} */
    const stored = await get("key", store);
    const session = { csrf: answer.csrf, citizen: Boolean(answer.citizen) };
    if (stored && stored.id === answer.id) return { ...stored, ...session };
    if (stored) await forgetEverything();
    const cryptoKey = await crypto.subtle.importKey(
      "raw", base64urlToBytes(answer.key), "AES-GCM", false, ["encrypt", "decrypt"]);
    const record = { id: answer.id, cryptoKey };
    await set("key", record, store);
    return { ...record, ...session };
  }

  /** @type {PortalDrafts["sessionKey"]} */
  async function sessionKey({ online = true } = {}) {
    return (online && (await fetchSessionKey())) || (await get("key", store)) || null;
  }

  async function forgetEverything() {
    await clear(store);
    announce();
  }

  // --- sealing -------------------------------------------------------------------------------

  /**
   * @param {DraftKey} key
   * @param {BufferSource} bytes
   * @returns {Promise<Sealed>}
   */
  async function sealBytes(key, bytes) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key.cryptoKey, bytes);
    return { iv, data };
  }

  /**
   * @param {DraftKey} key
   * @param {Sealed} sealed
   */
  async function openBytes(key, sealed) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key.cryptoKey, sealed.data);
  }

  /** @type {(key: DraftKey, value: unknown) => Promise<Sealed>} */
  const seal = (key, value) => sealBytes(key, new TextEncoder().encode(JSON.stringify(value)));
  /** @type {(key: DraftKey, sealed: Sealed) => Promise<any>} */
  const open = async (key, sealed) => JSON.parse(new TextDecoder().decode(await openBytes(key, sealed)));

  /**
   * @param {DraftKey} key
   * @param {File[]} files
   * @returns {Promise<SealedFile[]>}
   */
  async function sealFiles(key, files) {
    return Promise.all(files.map(async (file) => ({
      about: await seal(key, { name: file.name, type: file.type }),
      content: await sealBytes(key, await file.arrayBuffer()),
    })));
  }

  /**
   * @param {DraftKey} key
   * @param {SealedFile[]} sealedFiles
   * @returns {Promise<File[]>}
   */
  async function openFiles(key, sealedFiles) {
    return Promise.all(sealedFiles.map(async (sealed) => {
      const about = await open(key, sealed.about);
      return new File([await openBytes(key, sealed.content)], about.name, { type: about.type });
    }));
  }

  // --- drafts --------------------------------------------------------------------------------

  /**
   * @param {string} form
   * @param {DraftKey} key
   * @returns {DraftRecord}
   */
  function emptyDraft(form, key) {
    return { form, keyId: key.id, updated: Date.now(), meta: null, fields: {}, files: {} };
  }

  // One read-modify-write transaction per change, so two tabs writing different fields of the
  // same draft both keep their change. Sealing happens before, because a transaction cannot wait
  // for WebCrypto.
  /**
   * @param {DraftKey} key
   * @param {string} form
   * @param {(draft: DraftRecord) => void} change
   */
  async function changeDraft(key, form, change) {
    await update(DRAFT + form, (/** @type {DraftRecord | undefined} */ draft) => {
      const current = draft && draft.keyId === key.id ? draft : emptyDraft(form, key);
      change(current);
      current.updated = Date.now();
      return current;
    }, store);
    announce({ form });
  }

  /** @type {PortalDrafts["saveField"]} */
  async function saveField(key, form, name, value) {
    const sealed = await seal(key, value);
    await changeDraft(key, form, (draft) => { draft.fields[name] = sealed; });
  }

  /** @type {PortalDrafts["saveFiles"]} */
  async function saveFiles(key, form, name, files) {
    const sealed = await sealFiles(key, files);
    await changeDraft(key, form, (draft) => { draft.files[name] = sealed; });
  }

  /** @type {PortalDrafts["saveMeta"]} */
  async function saveMeta(key, form, meta) {
    const sealed = await seal(key, meta);
    await changeDraft(key, form, (draft) => { draft.meta = sealed; });
  }

  /**
   * @param {DraftKey} key
   * @param {DraftRecord | OutboxRecord} record
   */
  async function openRecord(key, record) {
    /** @type {Record<string, FieldValue>} */
    const fields = {};
    /** @type {Record<string, File[]>} */
    const files = {};
    for (const [name, sealed] of Object.entries(record.fields || {})) fields[name] = await open(key, sealed);
    for (const [name, sealed] of Object.entries(record.files || {})) files[name] = await openFiles(key, sealed);
    /** @type {DraftMeta | null} */
    const meta = record.meta ? await open(key, record.meta) : null;
    return { fields, files, meta };
  }

  /** @type {PortalDrafts["loadDraft"]} */
  async function loadDraft(key, form) {
    /** @type {DraftRecord | undefined} */
    const draft = await get(DRAFT + form, store);
    if (!draft || draft.keyId !== key.id) return null;
    return { form, updated: draft.updated, ...(await openRecord(key, draft)) };
  }

  // Titles and links of the unfinished drafts and of the submissions of this session.
  /** @type {PortalDrafts["listAll"]} */
  async function listAll(key) {
    /** @type {Awaited<ReturnType<PortalDrafts["listAll"]>>["drafts"]} */
    const drafts = [];
    /** @type {OutboxEntry[]} */
    const outbox = [];
    for (const [name, record] of await entries(store)) {
      if (typeof name !== "string" || record.keyId !== key.id) continue;
      const meta = record.meta ? await open(key, record.meta) : {};
      if (name.startsWith(DRAFT)) drafts.push({ form: record.form, updated: record.updated, meta });
      if (name.startsWith(OUTBOX)) outbox.push({ ...publicPart(record), meta });
    }
    drafts.sort((a, b) => b.updated - a.updated);
    outbox.sort((a, b) => b.created - a.created);
    return { drafts, outbox };
  }

  // --- the outbox ----------------------------------------------------------------------------

  /**
   * @param {OutboxRecord} record
   * @returns {OutboxEntry}
   */
  function publicPart(record) {
    const { id, form, status, created, result } = record;
    return { id, form, status, created, result: result || null };
  }

  // Queues the draft as it is now: sent on Background Sync, on the next page load or at once.
  /** @type {PortalDrafts["queueSubmission"]} */
  async function queueSubmission(key, form, action) {
    /** @type {DraftRecord | undefined} */
    const draft = await get(DRAFT + form, store);
    if (!draft || draft.keyId !== key.id) throw new Error("no draft to send");
    const id = crypto.randomUUID();
    /** @type {OutboxRecord} */
    const record = {
      id, form, keyId: key.id, action, created: Date.now(), status: "waiting", result: null,
      meta: draft.meta, fields: draft.fields, files: draft.files,
    };
    await set(OUTBOX + id, record, store);
    // An earlier attempt that the server refused is replaced by this one.
    for (const [name, other] of await entries(store)) {
      if (String(name).startsWith(OUTBOX) && other.form === form && other.status === "invalid") {
        await del(name, store);
      }
    }
    announce({ form });
    return id;
  }

  /** @type {PortalDrafts["outboxFor"]} */
  async function outboxFor(form) {
    /** @type {OutboxEntry[]} */
    const found = [];
    for (const [name, record] of await entries(store)) {
      if (String(name).startsWith(OUTBOX) && record.form === form) found.push(publicPart(record));
    }
    return found.sort((a, b) => b.created - a.created);
  }

  /** @type {PortalDrafts["dismiss"]} */
  async function dismiss(id) {
    await del(OUTBOX + id, store);
    announce();
  }

  /**
   * @param {DraftKey} key
   * @param {OutboxRecord} record
   */
  async function requestBody(key, record) {
    const { fields, files } = await openRecord(key, record);
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    for (const [name, list] of Object.entries(files)) {
      for (const file of list) body.append(name, file, file.name);
    }
    body.append("submission_id", record.id);
    return body;
  }

  // What the server's answer means for the citizen: arrived, to be corrected, or try later.
  /**
   * @param {Response} response
   * @returns {Promise<{status: OutboxStatus, result: OutboxResult} | null>}
   */
  async function outcome(response) {
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.status === "zahlung-offen") {
      // Kept, but not yet paid: its confirmation page offers "Jetzt bezahlen".
      return {
        status: "eingegangen",
        result: { reference: answer.reference, url: answer.url || answer.receipt_url, receiptUrl: answer.receipt_url, paymentDue: true },
      };
    }
    if (response.ok && answer.status === "eingegangen") {
      return {
        status: "eingegangen",
        result: { reference: answer.reference, url: answer.url || answer.receipt_url, receiptUrl: answer.receipt_url },
      };
    }
    if (response.status === 422) {
      return { status: "invalid", result: { errors: answer.errors || {}, step: answer.step, stepUrl: answer.step_url } };
    }
    if (response.status >= 400 && response.status < 500 && ![401, 403, 408, 429].includes(response.status)) {
      // The server's own words when it gave them (a closed service says why, translated).
      const message = typeof answer.message === "string" ? answer.message : undefined;
      return { status: "failed", result: { httpStatus: response.status, message } };
    }
    return null; // the server is not ready: try again later
  }

  /**
   * @param {DraftKey} key
   * @param {string} name
   */
  async function sendOne(key, name) {
    /** @type {OutboxRecord | undefined} */
    const record = await get(name, store);
    if (!record || record.status !== "waiting" || record.keyId !== key.id) return;
    let response;
    try {
      response = await fetch(record.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": key.csrf || "" },
        body: await requestBody(key, record),
      });
    } catch {
      // Still offline: what a server answered before no longer describes the wait.
      if (record.result) {
        await set(name, { ...record, result: null }, store);
        announce({ form: record.form });
      }
      return;
    }
    const result = await outcome(response);
    if (!result) {
      // Online, but the city's service is not ready (an outage, an update): the citizen is
      // told so, and it stays waiting with everything it holds.
      if (record.result?.httpStatus !== response.status) {
        await set(name, { ...record, result: { httpStatus: response.status } }, store);
        announce({ form: record.form });
      }
      return;
    }
    // The answers are kept only as long as they may still be needed.
    await set(name, { ...record, ...result, fields: null, files: null }, store);
    if (result.status === "eingegangen") await del(DRAFT + record.form, store);
    announce({ form: record.form });
  }

  /** @returns {Promise<string[]>} */
  async function waitingNames() {
    return (await entries(store))
      .filter(([name, record]) => String(name).startsWith(OUTBOX) && record.status === "waiting")
      .map(([name]) => /** @type {string} */ (name));
  }

  // Sends every waiting submission once and answers how many still wait. Pages and the service
  // worker may call this at the same moment: the lock makes them take turns, and the server is
  // idempotent on the submission id.
  /** @type {PortalDrafts["sendOutbox"]} */
  async function sendOutbox() {
    const names = await waitingNames();
    if (!names.length) return 0;
    const key = await fetchSessionKey();
    if (!key) return names.length;
    const work = async () => { for (const name of names) await sendOne(key, name); };
    if (self.navigator && navigator.locks) await navigator.locks.request("portal-outbox", work);
    else await work();
    return (await waitingNames()).length;
  }

  /** @type {PortalDrafts["hasAnything"]} */
  async function hasAnything() {
    return (await keys(store)).some((name) => name !== "key");
  }

  // --- telling the other tabs ----------------------------------------------------------------

  /** @param {{form?: string}} [detail] */
  function announce(detail = {}) {
    if (channel) channel.postMessage({ type: "drafts-changed", ...detail });
  }

  /** @type {PortalDrafts["onChange"]} */
  function onChange(listener) {
    if (!channel) return;
    channel.addEventListener("message", (event) => listener(event.data));
  }

  self.portalDrafts = {
    sessionKey, forgetEverything, hasAnything,
    saveField, saveFiles, saveMeta, loadDraft, listAll,
    queueSubmission, outboxFor, sendOutbox, dismiss, onChange,
  };
})();
