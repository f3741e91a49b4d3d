// The service worker's global scope. TypeScript's webworker library types `self` as a generic
// WorkerGlobalScope; sw.js is a classic script and cannot redeclare `self`, so the service
// worker's events and members are merged in here instead.

/** Prepended by the server (server/web/pwa.py, service_worker_script). */
declare const PORTAL: {
  version: string;
  precache: string[];
  offlineUrl: string;
  scripts: string[];
};

/** Background Sync, not in TypeScript's library. */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance: boolean;
}

interface WorkerGlobalScopeEventMap {
  install: ExtendableEvent;
  activate: ExtendableEvent;
  fetch: FetchEvent;
  // An ExtendableMessageEvent in a service worker; the dedicated worker's map in the same library
  // says MessageEvent. Both must fit here, and sw.js reads only `data`, which both have.
  message: Event & { readonly data: any };
  sync: SyncEvent;
}

interface WorkerGlobalScope {
  readonly clients: Clients;
  skipWaiting(): Promise<void>;
}
