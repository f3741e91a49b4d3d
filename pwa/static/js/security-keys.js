// Security keys and passkeys (WebAuthn) where the browser has them. Without them the page
// works as before: the code from the authenticator app.
// @ts-check
const supported =
  typeof window.PublicKeyCredential === "function" &&
  typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function" &&
  typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function";
/** @type {HTMLMetaElement | null} */
const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const csrf = csrfMeta?.content ?? "";

/**
 * @param {string | undefined} url
 * @param {unknown} [body]
 * @returns {Promise<{ok: boolean, data: any}>}
 */
async function post(url, body) {
  const response = await fetch(url ?? "", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body ?? {}),
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, data };
}

/**
 * @param {HTMLElement} element
 * @param {string | undefined} message
 */
function say(element, message) {
  element.textContent = message ?? "";
  element.hidden = false;
}

/** @param {Credential | null} credential  a PublicKeyCredential, which has toJSON() */
const credentialJson = (credential) => /** @type {PublicKeyCredential} */ (credential).toJSON();

/** @type {NodeListOf<HTMLElement>} */
const loginBoxes = document.querySelectorAll("[data-security-key-login]");
for (const box of loginBoxes) {
  if (!supported) continue;
  box.hidden = false;
  const status = /** @type {HTMLElement} */ (box.querySelector("[data-status]"));
  box.querySelector("button")?.addEventListener("click", async () => {
    status.hidden = true;
    const options = await post(box.dataset.options);
    if (!options.ok) return say(status, options.data.error ?? box.dataset.failed);
    let credential;
    try {
      credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.data),
      });
    } catch {
      return say(status, box.dataset.cancelled);
    }
    const result = await post(box.dataset.verify, { credential: credentialJson(credential) });
    if (result.ok && result.data.redirect) window.location.assign(result.data.redirect);
    else say(status, result.data.error ?? box.dataset.failed);
  });
}

/** @type {NodeListOf<HTMLFormElement>} */
const addForms = document.querySelectorAll("form[data-security-key-add]");
for (const form of addForms) {
  /** @type {HTMLElement | null} */
  const unsupported = document.querySelector("[data-security-key-unsupported]");
  if (!supported) continue;
  form.hidden = false;
  if (unsupported) unsupported.hidden = true;
  const status = /** @type {HTMLElement} */ (form.querySelector("[data-status]"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    const options = await post(form.dataset.options);
    if (!options.ok) return say(status, options.data.error ?? form.dataset.failed);
    let credential;
    try {
      credential = await navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.data),
      });
    } catch {
      return say(status, form.dataset.cancelled);
    }
    const name = new FormData(form).get("name") ?? "";
    const result = await post(form.action, { name, credential: credentialJson(credential) });
    if (result.ok && result.data.redirect) window.location.assign(result.data.redirect);
    else say(status, result.data.error ?? form.dataset.failed);
  });
}
