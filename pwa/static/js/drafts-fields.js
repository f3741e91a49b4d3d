// Reading and filling a form: its answers by name, what the citizen changed on this page, and
// the questions that apply only under a condition.
// @ts-check

/** @typedef {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} Field */

/** Controls whose value is no answer to keep (files are kept apart, passwords never). */
export const SKIPPED_TYPES = ["hidden", "submit", "button", "reset", "password", "file", "image"];

/**
 * The form's answers by name; radios and checkboxes of one name together.
 * @param {HTMLFormElement} form
 * @returns {Map<string, Field[]>}
 */
export function namedFields(form) {
  /** @type {Map<string, Field[]>} */
  const groups = new Map();
  for (const el of /** @type {Iterable<Field>} */ (form.elements)) {
    if (!el.name || SKIPPED_TYPES.includes(el.type)) continue;
    const group = groups.get(el.name) ?? [];
    group.push(el);
    groups.set(el.name, group);
  }
  return groups;
}

/**
 * @param {Field[]} elements  the fields of one name
 * @returns {FieldValue}
 */
export function valueOf(elements) {
  const first = elements[0];
  const inputs = /** @type {HTMLInputElement[]} */ (elements);
  if (first.type === "radio") return inputs.find((el) => el.checked)?.value ?? "";
  if (first.type === "checkbox") return inputs.filter((el) => el.checked).map((el) => el.value);
  if (first instanceof HTMLSelectElement && first.multiple) return [...first.selectedOptions].map((option) => option.value);
  return elements.length > 1 ? elements.map((el) => el.value) : first.value;
}

/** @param {Field[]} elements */
export function isEmpty(elements) {
  const value = valueOf(elements);
  return Array.isArray(value) ? value.every((item) => !item) : !value;
}

/**
 * @param {Field[]} elements
 * @param {FieldValue} value
 */
function fill(elements, value) {
  const values = Array.isArray(value) ? value.map(String) : [String(value)];
  const first = elements[0];
  if (first.type === "radio" || first.type === "checkbox") {
    for (const el of /** @type {HTMLInputElement[]} */ (elements)) el.checked = values.includes(el.value);
  } else if (first instanceof HTMLSelectElement && first.multiple) {
    for (const option of first.options) option.selected = values.includes(option.value);
  } else if (elements.length > 1) {
    elements.forEach((el, index) => { el.value = values[index] ?? ""; });
  } else {
    first.value = values[0] ?? "";
  }
}

/**
 * @param {HTMLInputElement} input  an input[type=file]
 * @param {File[]} files
 */
export function putFiles(input, files) {
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
}

// Answers the citizen changed on this page since it opened: never overwritten by a draft that
// arrives later (from the server or another tab) while the page was still loading it. Counted
// from the first keystroke by draft-loader.js, long before this code is there.
/** @type {WeakMap<HTMLFormElement, Set<string>>} */
const editedHere = self.portalEdits ?? (self.portalEdits = new WeakMap());

/**
 * The names of the answers changed on this page.
 * @param {HTMLFormElement} form
 */
export function edited(form) {
  let names = editedHere.get(form);
  if (!names) editedHere.set(form, (names = new Set()));
  return names;
}

/**
 * Fills the form from the draft. After the server sent a step back with errors, what it shows is
 * what was sent: it wins, unless `overwrite` (another tab or device changed the draft since).
 * @param {HTMLFormElement} form
 * @param {Draft} draft
 * @param {{overwrite: boolean}} options
 */
export function restore(form, draft, { overwrite }) {
  const serverEchoed = Boolean(form.querySelector("#error-summary"));
  for (const [name, elements] of namedFields(form)) {
    if (!(name in draft.fields) || edited(form).has(name)) continue;
    if (serverEchoed && !overwrite && !isEmpty(elements)) continue;
    if (!overwrite || !elements.some((el) => el === document.activeElement)) fill(elements, draft.fields[name]);
  }
  // The server keeps the files it already received with an echoed page; never send them twice.
  /** @type {Iterable<HTMLInputElement>} */
  const fileInputs = serverEchoed ? [] : form.querySelectorAll("input[type=file][name]");
  for (const input of fileInputs) {
    const files = draft.files[input.name];
    if (files && files.length && (overwrite || !input.files?.length)) putFiles(input, files);
  }
}

/**
 * Whether an answer is one of the wanted values (separated by spaces).
 * @param {FieldValue} value
 * @param {string} wanted
 */
export function answerMatches(value, wanted) {
  const values = Array.isArray(value) ? value : [value];
  return values.some((item) => wanted.split(" ").includes(String(item)));
}

// The answers of a form's draft last seen on its page, for conditions on earlier steps' answers.
/** @type {WeakMap<HTMLFormElement, Record<string, FieldValue>>} */
const draftAnswers = new WeakMap();

/**
 * Shows or hides what is hidden while it is not asked: disabled, so neither checked by the
 * browser nor sent.
 * @param {HTMLElement} element
 * @param {boolean} asked
 */
function ask(element, asked) {
  element.hidden = !asked;
  /** @type {Iterable<Field | HTMLOptionElement>} */
  const controls = element instanceof HTMLOptionElement ? [element] : element.querySelectorAll("input, select, textarea");
  for (const control of controls) control.disabled = !asked;
}

// A question or a choice that applies only under a condition is shown only when the answer says
// so: an answer on this page, or (data-show-when-elsewhere, data-choice-when) an earlier step's
// answer as the draft holds it. The server leaves out what it decided itself (views._live).
/**
 * @param {HTMLFormElement} form
 * @param {Draft | null} [draft]  the draft as just loaded
 */
export function showConditionalQuestions(form, draft = null) {
  if (draft) draftAnswers.set(form, draft.fields);
  const fields = namedFields(form);
  const saved = draftAnswers.get(form) ?? {};
  /** @param {string} name */
  const answerTo = (name) => {
    const here = fields.get(name);
    return here ? valueOf(here) : saved[name] ?? "";
  };
  // In document order: a condition in parts is nested wrappers, the outer one decided first.
  for (const block of form.querySelectorAll("[data-show-when-field]")) {
    if (!(block instanceof HTMLElement)) continue;
    const name = block.dataset.showWhenField ?? "";
    if (!fields.has(name) && block.dataset.showWhenElsewhere === undefined) continue;
    const outerHidden = Boolean(block.parentElement?.closest("[data-show-when-field][hidden]"));
    ask(block, !outerHidden && answerMatches(answerTo(name), block.dataset.showWhenValues || ""));
  }
  for (const block of form.querySelectorAll("[data-choice-when]")) {
    if (!(block instanceof HTMLElement) || block.closest("[hidden]")) continue;
    /** @type {Record<string, [string, string][]>} */
    const conditions = JSON.parse(block.dataset.choiceWhen || "{}");
    /** @type {NodeListOf<HTMLInputElement | HTMLOptionElement>} */
    const choices = block.querySelectorAll("input[type=radio], input[type=checkbox], option");
    for (const choice of choices) {
      const parts = conditions[choice.value];
      const item = choice instanceof HTMLOptionElement ? choice : choice.closest(".kern-form-check");
      if (!parts || !(item instanceof HTMLElement)) continue;
      const offered = parts.every(([name, values]) => answerMatches(answerTo(name), values));
      if (!offered && choice instanceof HTMLOptionElement) choice.selected = false;
      else if (!offered && choice instanceof HTMLInputElement) choice.checked = false;
      ask(item, offered);
    }
  }
}
