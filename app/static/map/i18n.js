// The words of the place answers (search, "what is near", the phone's buttons) in English or
// Azerbaijani, after the browser's language, from the one catalogue /stats/near reads too.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.lang = (navigator.language || "").toLowerCase().startsWith("az") ? "az" : "en";
Contamap.messages = {};

// A message with its {name} slots filled; the key itself when the catalogue lacks it.
Contamap.t = (key, values = {}) => (Contamap.messages[key] ?? key)
  .replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));

// Elements name their words with data-i18n (text), data-i18n-label (aria-label) and
// data-i18n-placeholder; each gets the catalogue's words and their language.
Contamap.translate = (root = document) => {
  const attributes = { i18nLabel: "aria-label", i18nPlaceholder: "placeholder" };
  for (const element of root.querySelectorAll("[data-i18n], [data-i18n-label], [data-i18n-placeholder]")) {
    if (element.dataset.i18n) element.textContent = Contamap.t(element.dataset.i18n);
    for (const [data, attribute] of Object.entries(attributes)) {
      if (element.dataset[data]) element.setAttribute(attribute, Contamap.t(element.dataset[data]));
    }
    element.lang = Contamap.lang;
  }
};

Contamap.loadMessages = async () => {
  const response = await fetch(`${Contamap.BASE}/static/i18n/messages.json`);
  const catalogue = response.ok ? await response.json() : {};
  Contamap.messages = { ...catalogue.en, ...catalogue[Contamap.lang] };
  Contamap.translate();
};
