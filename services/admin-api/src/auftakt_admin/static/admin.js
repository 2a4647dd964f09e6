// Auftakt admin: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A filter form's URL keeps only the filters set (and the sort unless it is the default),
// so a view shared as a link stays short.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id !== "filters" || event.defaultPrevented) {
    return;
  }
  event.preventDefault();
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    const defaultSort = name === "sort" && value === form.dataset.defaultSort;
    if (typeof value === "string" && value.trim() !== "" && !defaultSort) {
      params.append(name, value.trim());
    }
  }
  const query = params.toString();
  window.location.assign(form.action + (query ? "?" + query : ""));
});

// "Kopieren" next to code to copy: the clipboard when the browser allows it, else the
// code is selected for Ctrl+C. Without this script the buttons stay hidden and the code
// is selected with one click (user-select: all).
for (const button of document.querySelectorAll("button[data-copy]")) {
  const code = document.getElementById(button.dataset.copy);
  if (!code) {
    continue;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    const said = (text) => {
      button.textContent = text;
      window.setTimeout(() => { button.textContent = "Kopieren"; }, 2000);
    };
    const select = () => {
      window.getSelection().selectAllChildren(code);
      said("Markiert – Strg+C");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.textContent).then(() => said("Kopiert"), select);
    } else {
      select();
    }
  });
}
