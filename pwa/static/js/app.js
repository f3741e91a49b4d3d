// Registers the service worker, offers updates instead of forcing them, shows the offline banner.
// Texts live in the page (translated on the server); this module only shows and hides them.
// @ts-check

const updateBanner = document.getElementById("update-banner");
const offlineBanner = document.getElementById("offline-banner");

function showOfflineState() {
  if (offlineBanner) offlineBanner.hidden = navigator.onLine;
}

window.addEventListener("online", showOfflineState);
window.addEventListener("offline", showOfflineState);
showOfflineState();

/** @param {ServiceWorker | null} worker */
function offerUpdate(worker) {
  if (!updateBanner || !worker) return;
  updateBanner.hidden = false;
  document.documentElement.dataset.updateWaiting = "true";
  document.getElementById("update-reload")?.addEventListener("click", () => {
    // The new worker takes over only when the citizen says so: never in the middle of a form.
    worker.postMessage({ type: "SKIP_WAITING" });
  }, { once: true });
}

/** @param {ServiceWorker | null} worker */
function watchInstalling(worker) {
  if (!worker) return;
  worker.addEventListener("statechange", () => {
    if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
  });
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  if (registration.installing) watchInstalling(registration.installing);
  registration.addEventListener("updatefound", () => watchInstalling(registration.installing));

  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !document.documentElement.dataset.updateWaiting) return;
    reloading = true;
    window.location.reload();
  });
  // A portal left open on a tablet for days still learns about new versions.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") registration.update().catch(() => {});
  });
  document.documentElement.dataset.serviceWorker = "registered";
  // The worker claims the open pages when it activates; a page still loading just then is
  // missed and would stay without it (and offline, without the shell) until the next page.
  const ready = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) ready.active?.postMessage({ type: "CLAIM" });
}

registerServiceWorker().catch((error) => console.warn("service worker not registered", error));
