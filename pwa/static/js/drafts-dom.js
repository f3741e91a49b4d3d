// The drafts code's part of the page: its texts and the elements it adds. Texts come translated
// from the page (<template id="draft-texts">, components/drafts.html); this code only places them.
// @ts-check

/**
 * A text from the page with its {placeholders} filled in (its name where the page has none).
 * @param {string} name
 * @param {Record<string, string>} [values]
 */
export function text(name, values = {}) {
  const texts = /** @type {HTMLTemplateElement | null} */ (document.getElementById("draft-texts"));
  const source = texts?.content.querySelector(`[data-text="${name}"]`);
  let result = source ? (source.textContent ?? "").trim() : name;
  for (const [placeholder, value] of Object.entries(values)) result = result.replace(`{${placeholder}}`, () => value);
  return result;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} [attributes]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * Shows a message above a field (or a button, or the form), as the server shows its errors;
 * none takes the earlier one away.
 * @param {HTMLElement & {name: string}} input
 * @param {string | null} [message]
 */
export function showFieldError(input, message) {
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
