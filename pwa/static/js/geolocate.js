// "Use my location" next to a question that takes a position (Field.locate): shown only where the
// browser can tell its position; fills the text field with "latitude, longitude", which the
// citizen may still change. Texts come from the page (translated on the server).
// @ts-check

/** @param {ParentNode} root */
function offer(root) {
  if (!("geolocation" in navigator)) return;
  /** @type {NodeListOf<HTMLElement>} */
  const boxes = root.querySelectorAll("[data-geolocate]");
  for (const box of boxes) box.hidden = false;
}

/** @param {HTMLElement} box @param {string} text */
function say(box, text) {
  const status = box.querySelector("[role=status]");
  if (status) status.textContent = text;
}

/** @param {HTMLElement} box */
function locate(box) {
  const input = document.getElementById(box.dataset.geolocate ?? "");
  if (!(input instanceof HTMLInputElement)) return;
  say(box, box.dataset.locating ?? "");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      // Five decimals: about a metre, enough to find a pothole.
      const { latitude, longitude } = position.coords;
      input.value = `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
      // The drafts code keeps what was typed on "input": the position is kept like typing.
      input.dispatchEvent(new Event("input", { bubbles: true }));
      say(box, box.dataset.located ?? "");
    },
    () => say(box, box.dataset.refused ?? ""),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const button = target?.closest("[data-geolocate] button");
  const box = button?.closest("[data-geolocate]");
  if (box instanceof HTMLElement) locate(box);
});
// A step swapped in by htmx brings its own (hidden) button.
document.addEventListener("htmx:load", (event) => {
  if (event.target instanceof HTMLElement) offer(event.target);
});
offer(document);
