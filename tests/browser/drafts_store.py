"""What the drafts store (pwa/static/js/draft-store.js) holds in a page's IndexedDB, read raw."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# Every record as the browser stores it, with binary parts (the sealed data) turned into text the
# way an attacker reading the disk would see them.
_READ_RECORDS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("portal-drafts");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains("records")) return {};
  const read = (method) => new Promise((resolve, reject) => {
    const request = db.transaction("records").objectStore("records")[method]();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const [keys, values] = [await read("getAllKeys"), await read("getAll")];
  db.close();
  const plain = (value) => {
    if (value instanceof ArrayBuffer) return new TextDecoder("latin1").decode(value);
    if (ArrayBuffer.isView(value)) return new TextDecoder("latin1").decode(value);
    if (value instanceof CryptoKey) return {cryptoKey: value.extractable};
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  return Object.fromEntries(keys.map((key, index) => [key, plain(values[index])]));
}"""


def draft_records(page: Page) -> dict[str, Any]:
    return page.evaluate(_READ_RECORDS)  # type: ignore[no-any-return]


def drafts_and_outbox(page: Page) -> list[str]:
    return [name for name in draft_records(page) if name != "key"]


def wait_for_drafts(page: Page) -> None:
    """drafts.js has restored the page's drafts and listens to the form."""
    page.wait_for_function("document.documentElement.dataset.drafts === 'ready'")


def wait_for_draft_saved(page: Page) -> None:
    """Everything typed into the page's draft forms is stored."""
    page.wait_for_function(
        "[...document.querySelectorAll('form[data-draft-form]')]"
        ".every((form) => form.dataset.draftState !== 'saving')"
    )
