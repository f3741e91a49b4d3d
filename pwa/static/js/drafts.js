// Keeps what is typed into a form marked data-draft in this browser until it is sent, so that
// closing the tab or losing the connection loses nothing. Files are not kept (the browser cannot
// restore file inputs); they are uploaded with the form.
const PREFIX = "portal-draft:";

for (const done of document.querySelectorAll("[data-draft-sent]")) {
  localStorage.removeItem(PREFIX + done.dataset.draftSent);
}

for (const form of document.querySelectorAll("form[data-draft]")) {
  const key = PREFIX + form.dataset.draft;
  const fields = () => [...form.elements].filter(
    (el) => el.name && !["hidden", "file", "submit", "button", "password"].includes(el.type));
  const saved = JSON.parse(localStorage.getItem(key) || "null");
  if (saved) {
    for (const el of fields()) {
      // What the server sent back (after an error) wins over the stored draft.
      if (!(el.name in saved)) continue;
      if (el.type === "radio") {
        if (!form.querySelector(`[name="${el.name}"]:checked`)) el.checked = el.value === saved[el.name];
      } else if (!el.value) {
        el.value = saved[el.name];
      }
    }
  }
  const store = () => {
    const data = {};
    for (const el of fields()) {
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; } else data[el.name] = el.value;
    }
    localStorage.setItem(key, JSON.stringify(data));
  };
  form.addEventListener("input", store);
  form.addEventListener("change", store);
}
