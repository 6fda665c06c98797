// What the drawers (the Priorities and district panels, right of the map) share: fetching
// JSON, opening and closing, and following the as-of date.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.asOfListeners = []; // called, debounced by each, when the as-of date changes
Contamap.drawerClosers = {}; // drawer id → what to undo on the map when it closes

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

Contamap.openDrawer = (id) => {
  const drawer = document.getElementById(id);
  drawer.hidden = false;
  drawer.scrollIntoView({ block: "nearest" });
};

Contamap.closeDrawer = (id) => {
  document.getElementById(id).hidden = true;
  if (Contamap.drawerClosers[id]) Contamap.drawerClosers[id]();
};

Contamap.wireDrawers = () => {
  for (const button of document.querySelectorAll(".drawer .close")) {
    button.addEventListener("click", () => Contamap.closeDrawer(button.closest(".drawer").id));
  }
};

// A small element with a class and a text, the bricks of the drawers' rows.
Contamap.element = (tag, className, text) => {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
};
