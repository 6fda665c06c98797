// Every word of the map, in the reader's language, from the one message catalogue
// (app/static/i18n/messages.json; the server's pages and /stats/near read the same file).
// The language: the one chosen with the switch (kept in localStorage, and in a cookie so the
// server's pages follow it), else the first of the browser's languages the catalogue has,
// else English. A key missing in a language falls back to its English words.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.FALLBACK_LANG = "en";
Contamap.LANG_STORAGE = "contamap.lang";
Contamap.LANG_COOKIE = "contamap_lang"; // read by the server (app/core/i18n.py)
Contamap.LANG_COOKIE_DAYS = 365;
Contamap.catalogue = {};
Contamap.messages = {};
Contamap.languageListeners = []; // redraw what was written in the old language
Contamap.lang = (navigator.language || "").toLowerCase().startsWith("az") ? "az" : "en";

// A message with its {name} slots filled; the key itself when the catalogue lacks it.
Contamap.t = (key, values = {}) => (Contamap.messages[key] ?? key)
  .replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));

// A value of a vocabulary (a risk level, a status, a device...) in words; the value itself,
// its underscores as spaces, when the catalogue has no words for it.
Contamap.word = (vocabulary, value) => {
  if (value === undefined || value === null || value === "") return null;
  const key = `${vocabulary}_${value}`;
  return key in Contamap.messages ? Contamap.t(key) : String(value).replaceAll("_", " ");
};

// A position in degrees, with the hemisphere letters of the language.
Contamap.coordinates = ([lon, lat], digits = 4) => [
  Contamap.t(lat >= 0 ? "coord_n" : "coord_s", { v: Math.abs(lat).toFixed(digits) }),
  Contamap.t(lon >= 0 ? "coord_e" : "coord_w", { v: Math.abs(lon).toFixed(digits) }),
].join(", ");

// Elements name their words with data-i18n (text), data-i18n-label (aria-label) and
// data-i18n-placeholder; each gets the catalogue's words and their language.
Contamap.translate = (root = document) => {
  const attributes = { i18nLabel: "aria-label", i18nPlaceholder: "placeholder", i18nTitle: "title" };
  for (const element of root.querySelectorAll("[data-i18n], [data-i18n-label], [data-i18n-placeholder], [data-i18n-title]")) {
    if (element.dataset.i18n) element.textContent = Contamap.t(element.dataset.i18n);
    for (const [data, attribute] of Object.entries(attributes)) {
      if (element.dataset[data]) element.setAttribute(attribute, Contamap.t(element.dataset[data]));
    }
    element.lang = Contamap.lang;
  }
};

// MapLibre's own words (its buttons' titles), from the catalogue.
Contamap.mapLocale = () => ({
  "NavigationControl.ZoomIn": Contamap.t("maplibre_zoom_in"),
  "NavigationControl.ZoomOut": Contamap.t("maplibre_zoom_out"),
  "NavigationControl.ResetBearing": Contamap.t("maplibre_reset_bearing"),
  "Marker.Title": Contamap.t("maplibre_marker"),
  "Popup.Close": Contamap.t("maplibre_close_popup"),
  "AttributionControl.ToggleAttribution": Contamap.t("maplibre_toggle_attribution"),
  "Map.Title": Contamap.t("map_label"),
});

const stored = () => {
  try {
    return localStorage.getItem(Contamap.LANG_STORAGE);
  } catch {
    return null; // storage refused (a private window): the cookie still remembers
  }
};

const cookie = () => (document.cookie.match(new RegExp(`(?:^|; )${Contamap.LANG_COOKIE}=([a-z]+)`)) || [])[1];

// The languages asked for, most wanted first: the switch's, then the browser's.
const wanted = () => [stored(), cookie(), ...(navigator.languages || []), navigator.language]
  .filter(Boolean).map((tag) => tag.toLowerCase().split("-")[0]);

const remember = (lang) => {
  try {
    localStorage.setItem(Contamap.LANG_STORAGE, lang);
  } catch { /* the cookie below is enough */ }
  const maxAge = Contamap.LANG_COOKIE_DAYS * 24 * 3600;
  document.cookie = `${Contamap.LANG_COOKIE}=${lang}; path=/; max-age=${maxAge}; SameSite=Lax`;
};

// The switch: a button per language, named by its code, its name (in itself) as the title.
const drawSwitch = () => {
  const box = document.getElementById("lang-switch");
  if (!box) return;
  box.textContent = "";
  for (const [lang, words] of Object.entries(Contamap.catalogue)) {
    const button = Contamap.element("button", "lang", words.language_code);
    button.type = "button";
    button.lang = lang;
    button.title = words.language_name; // the code is the button's name, as axe wants it seen
    button.setAttribute("aria-pressed", String(lang === Contamap.lang));
    button.addEventListener("click", () => Contamap.setLanguage(lang));
    box.append(button);
  }
};

const apply = (lang) => {
  Contamap.lang = lang;
  Contamap.messages = { ...Contamap.catalogue[Contamap.FALLBACK_LANG], ...Contamap.catalogue[lang] };
  document.documentElement.lang = lang;
  document.title = Contamap.t("page_title");
  Contamap.translate();
  drawSwitch();
};

Contamap.loadMessages = async () => {
  const response = await fetch(`${Contamap.BASE}/static/i18n/messages.json`);
  Contamap.catalogue = response.ok ? await response.json() : {};
  const lang = wanted().find((tag) => tag in Contamap.catalogue) || Contamap.FALLBACK_LANG;
  apply(lang);
};

// The switch pressed: the new words everywhere, remembered for this map and the server's pages.
Contamap.setLanguage = (lang) => {
  if (!(lang in Contamap.catalogue) || lang === Contamap.lang) return;
  remember(lang);
  apply(lang);
  for (const listener of Contamap.languageListeners) listener(lang);
};
