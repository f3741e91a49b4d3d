// Pages without a draft form, a confirmation or a logout (those set drafts_page and load the
// drafts code at once) load this instead of the drafts code (issue 17: 13 KB that a
// visitor who drafts nothing does not need). It loads the drafts code (idb-keyval.js,
// draft-store.js, drafts.js) only where there is work for it: this browser keeps drafts or
// waiting submissions (the start page lists them, any page sends them when online again), or
// the page confirms a submission or logs out (both forget drafts). The versioned URLs of the two
// classic scripts are in the script element's data-scripts (components/drafts.html).
// @ts-check

const DATABASE = "portal-drafts";
const STORE = "records";
const SESSION_KEY = "key";
const WORK = "[data-draft-form], [data-draft-submit], [data-draft-sent], [data-draft-logout]";

/**
 * Whether the drafts store holds anything but the session's key (draft-store.js hasAnything).
 * Opens the database as idb-keyval does, creating its store if it is new, so that idb-keyval
 * later finds it as it would have made it.
 * @returns {Promise<boolean>}
 */
function keepsDrafts() {
  return new Promise((resolve) => {
    if (!("indexedDB" in self)) return resolve(false);
    const opening = indexedDB.open(DATABASE);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onerror = () => resolve(false);
    opening.onsuccess = () => {
      const database = opening.result;
      if (!database.objectStoreNames.contains(STORE)) {
        database.close();
        return resolve(false);
      }
      const reading = database.transaction(STORE).objectStore(STORE).getAllKeys();
      reading.onsuccess = () => {
        database.close();
        resolve(reading.result.some((name) => name !== SESSION_KEY));
      };
      reading.onerror = () => {
        database.close();
        resolve(true); // cannot tell: let the drafts code look
      };
    };
  });
}

/**
 * The classic scripts, fetched at once and run in their order (async = false).
 * @param {string[]} sources
 */
function classicScripts(sources) {
  return Promise.all(sources.map((src) => new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = false;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  })));
}

async function load() {
  const loader = document.getElementById("draft-loader");
  if (!loader) return;
  if (!document.querySelector(WORK) && !(await keepsDrafts())) return;
  await classicScripts(JSON.parse(loader.dataset.scripts || "[]"));
  await import("./drafts.js");
}

load().catch((error) => console.warn("drafts not available", error));
