// The start page: the drafts and submissions of this session in this browser.
// @ts-check
import { element, text } from "./drafts-dom.js";
import { statusLine } from "./drafts-outbox.js";

const drafts = self.portalDrafts;

/**
 * In the city's time zone, as every time the portal shows, not the phone's.
 * @param {number} timestamp
 */
function formatTime(timestamp) {
  const language = document.documentElement.lang || "de";
  const timeZone = document.getElementById("draft-texts")?.dataset.timeZone || undefined;
  /** @type {Intl.DateTimeFormatOptions} */
  const style = { dateStyle: "medium", timeStyle: "short" };
  try {
    return new Date(timestamp).toLocaleString(language, { ...style, timeZone });
  } catch {
    return new Date(timestamp).toLocaleString(language, style);  // a zone the browser does not know
  }
}

/**
 * Fills the section's list; the section is hidden while it is empty.
 * @param {HTMLElement} section  #drafts-overview (components/drafts.html)
 * @param {DraftKey} key
 */
export async function renderOverview(section, key) {
  const { drafts: open, outbox } = await drafts.listAll(key);
  const list = section.querySelector("ul");
  if (!list) return;
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
