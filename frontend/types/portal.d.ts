// Types shared by the portal's JavaScript (checked by tsc with checkJs; never shipped). The
// drafts store (pwa/static/js/draft-store.js) is a classic script that the pages and the service
// worker both load, so what it offers is declared here, once, for both.

/** An answer as a form holds it: one value, or several (checkboxes, multiple selects). */
type FieldValue = string | string[];

/** What the start page shows of a draft or a submission: its title and where it was begun. */
interface DraftMeta {
  title?: string;
  url: string;
}

/** This browser's key for the session (from /entwuerfe/schluessel), with the session's CSRF token. */
interface DraftKey {
  id: string;
  cryptoKey: CryptoKey;
  csrf?: string;
  citizen?: boolean;
}

/** A draft as read back from the store, opened with the session's key. */
interface Draft {
  form: string;
  updated: number;
  meta: DraftMeta | null;
  fields: Record<string, FieldValue>;
  files: Record<string, File[]>;
}

type OutboxStatus = "waiting" | "eingegangen" | "invalid" | "failed";

/** What the server answered about a submission (null while it waits). */
interface OutboxResult {
  reference?: string;
  url?: string;
  receiptUrl?: string;
  paymentDue?: boolean;
  errors?: Record<string, string[]>;
  step?: string;
  stepUrl?: string;
  httpStatus?: number;
  message?: string;
}

/** A queued submission, without its answers. */
interface OutboxEntry {
  id: string;
  form: string;
  status: OutboxStatus;
  created: number;
  result: OutboxResult | null;
  meta?: Partial<DraftMeta>;
}

/** A message on the "portal-drafts" BroadcastChannel: a draft (or everything) changed. */
interface DraftsChanged {
  type: "drafts-changed";
  form?: string;
}

/** `self.portalDrafts`, defined by draft-store.js. */
interface PortalDrafts {
  sessionKey(options?: { online?: boolean }): Promise<DraftKey | null>;
  forgetEverything(): Promise<void>;
  hasAnything(): Promise<boolean>;
  saveField(key: DraftKey, form: string, name: string, value: FieldValue): Promise<void>;
  saveFiles(key: DraftKey, form: string, name: string, files: File[]): Promise<void>;
  saveMeta(key: DraftKey, form: string, meta: DraftMeta): Promise<void>;
  loadDraft(key: DraftKey, form: string): Promise<Draft | null>;
  listAll(key: DraftKey): Promise<{
    drafts: { form: string; updated: number; meta: Partial<DraftMeta> }[];
    outbox: OutboxEntry[];
  }>;
  queueSubmission(key: DraftKey, form: string, action: string): Promise<string>;
  outboxFor(form: string): Promise<OutboxEntry[]>;
  sendOutbox(): Promise<number>;
  dismiss(id: string): Promise<void>;
  onChange(listener: (message: DraftsChanged) => void): void;
}

// Globals of classic scripts: idb-keyval's UMD build, and the drafts store on top of it.
declare var idbKeyval: typeof import("idb-keyval");
declare var portalDrafts: PortalDrafts;
