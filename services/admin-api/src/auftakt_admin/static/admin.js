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
