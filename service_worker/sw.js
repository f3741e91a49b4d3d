// Bürgerportal service worker. The server prepends `PORTAL` (version, precache list, offline URL):
// the version is a hash of everything listed, so any change to the app shell is a new worker.
/* global PORTAL, portalDrafts */
// @ts-check

// The drafts store (js/draft-store.js on idb-keyval), shared with the pages: the worker sends the
// submissions queued offline when Background Sync says the connection is back.
importScripts(...PORTAL.scripts);
const OUTBOX_SYNC_TAG = "portal-outbox";

const SHELL_CACHE = `portal-shell-${PORTAL.version}`;
const PAGES_CACHE = `portal-pages-${PORTAL.version}`;
const OWN_CACHES = [SHELL_CACHE, PAGES_CACHE];

// The precache list is the server's app shell (the offline page, the manifest, versioned static
// files): public by construction, so it is kept without asking for the marker.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(
      PORTAL.precache.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" })),
    )),
  );
  // No skipWaiting here: the page offers the update and the citizen decides when.
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith("portal-") && !OWN_CACHES.includes(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
  // A page whose document came into being while this worker's activation claimed the pages
  // (it was still loading) stays without a controller; it asks to be taken over.
  if (event.data && event.data.type === "CLAIM") {
    /** @type {ExtendableMessageEvent} */ (event).waitUntil(self.clients.claim());
  }
});

// A rejected promise makes the browser try the sync again later, as long as something waits.
self.addEventListener("sync", (event) => {
  if (event.tag !== OUTBOX_SYNC_TAG) return;
  event.waitUntil(portalDrafts.sendOutbox().then((waiting) => {
    if (waiting && !event.lastChance) throw new Error(`${waiting} submissions still wait`);
  }));
});

// Only what the server explicitly marked public (server/security.py grants the marker to public
// pages seen by nobody logged in, the manifest and static files). Not "whatever lacks no-store":
// a download sent with `no-cache` (a clerk's attachment PDF) was kept that way.
const CACHEABLE_HEADER = "X-Portal-Cacheable";
/** @param {Response | undefined} response */
function mayKeep(response) {
  if (!response || response.status !== 200 || response.type !== "basic") return false;
  if (response.headers.get(CACHEABLE_HEADER) !== "1") return false;
  return !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

// Logging out empties the runtime cache of visited pages (only public pages are kept, so this is
// a second line of defence). The worker sees the logout request itself, whatever sent it (a form,
// htmx, a page without JavaScript), so no page has to remember to tell it. Not Clear-Site-Data:
// its "cache" leaves the Cache API alone, and "storage" would unregister the worker and wipe the
// app shell and the drafts. The precached app shell is public and stays, so offline still works.
const LOGOUT_PATHS = ["/konto/abmelden", "/konto/ueberall-abmelden", "/verwaltung/abmelden"];
async function forgetVisitedPages() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith("portal-pages-"))
    .map((name) => caches.delete(name)));
}

/** @param {Request} request */
async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (mayKeep(response)) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request, { ignoreVary: true, ignoreSearch: false });
    if (cached) return cached;
    const offline = await caches.match(PORTAL.offlineUrl, { ignoreVary: true });
    if (offline) return offline;
    throw error;
  }
}

/** @param {Request} request */
async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  // Versioned static URLs never change; keep them for the next visit. The scanner's decoder
  // (over 1 MB) is not kept: scanning needs the network anyway.
  const url = new URL(request.url);
  if (mayKeep(response) && url.searchParams.has("v")
      && !url.pathname.startsWith("/static/vendor/barcode-detector/")) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && LOGOUT_PATHS.includes(url.pathname)) {
    // No respondWith: the browser sends the logout as usual while the cache is emptied.
    event.waitUntil(forgetVisitedPages());
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/antraege/") && !request.headers.has("HX-Request")
      && (request.headers.get("Accept") || "").includes("text/html")) {
    // Form steps fetched ahead by drafts.js: kept like visited pages (if the server allows it),
    // so that "Weiter" works offline. htmx fragments and JSON are never kept.
    event.respondWith(networkFirst(request));
  } else if (url.pathname === "/manifest.webmanifest") {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  }
});
