// What the Priorities and district panels share: fetching JSON, opening and closing a panel,
// and following the as-of date.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.asOfListeners = []; // called, debounced by each, when the as-of date changes
Contamap.panelClosers = {}; // panel id → what to undo on the map when it closes

Contamap.debounce = (action, ms) => {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(...args), ms);
  };
};

// The body of a GET on the API; an error with the API's own sentence when it refuses.
Contamap.getJSON = async (path) => {
  const response = await fetch(`${Contamap.BASE}${path}`);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.description || `${response.status} ${response.statusText}`);
  return body;
};

Contamap.isOpen = (id) => !document.getElementById(id).hidden;

Contamap.openPanel = (id) => {
  const panel = document.getElementById(id);
  panel.hidden = false;
  panel.scrollIntoView({ block: "nearest" });
};

Contamap.closePanel = (id) => {
  document.getElementById(id).hidden = true;
  if (Contamap.panelClosers[id]) Contamap.panelClosers[id]();
};

Contamap.wirePanels = () => {
  for (const button of document.querySelectorAll(".panel .close")) {
    button.addEventListener("click", () => Contamap.closePanel(button.closest(".panel").id));
  }
};

// A small element with a class and a text, the bricks of the panels' rows.
Contamap.element = (tag, className, text) => {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
};
