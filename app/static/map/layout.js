// The layout on a phone: below the breakpoint the side panel folds into its search row and a
// button, the legend opens on demand and the drawers become a sheet at the bottom.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.PHONE = window.matchMedia("(max-width: 720px)"); // the breakpoint of map.css

// A button that shows and hides the element it controls, saying so in aria-expanded.
const disclosure = (button, target, openClass) => {
  const set = (open) => {
    button.setAttribute("aria-expanded", String(open));
    target.classList.toggle(openClass, open);
  };
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
  return set;
};

Contamap.setPanelOpen = disclosure(
  document.getElementById("panel-toggle"), document.getElementById("panel"), "open",
);
disclosure(document.getElementById("legend-toggle"), document.getElementById("legend"), "open");

// Escape folds the phone's panel, and the focus goes back to its button rather than vanish.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !Contamap.PHONE.matches) return;
  if (document.getElementById("panel-body").contains(document.activeElement)) {
    document.getElementById("panel-toggle").focus();
  }
  Contamap.setPanelOpen(false);
});

// How far the panel and the drawers reach into the map from each side, in pixels: a box wider
// than half the map covers its top or bottom (the phone), a narrower one its left or right.
Contamap.coveredInsets = () => {
  const insets = { top: 0, bottom: 0, left: 0, right: 0 };
  const { innerWidth: width, innerHeight: height } = window;
  for (const id of ["panel", "drawers"]) {
    const box = document.getElementById(id).getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (box.width > width / 2) {
      if (box.top + box.bottom < height) insets.top = Math.max(insets.top, box.bottom);
      else insets.bottom = Math.max(insets.bottom, height - box.top);
    } else if (box.left + box.right < width) {
      insets.left = Math.max(insets.left, box.right);
    } else {
      insets.right = Math.max(insets.right, width - box.left);
    }
  }
  return insets;
};

// Padding for fitting bounds into the part of the map left free, with a margin.
Contamap.freePadding = (margin) => {
  const insets = Contamap.coveredInsets();
  for (const side of Object.keys(insets)) insets[side] += margin;
  return insets;
};

// Whether a point of the screen lies in the part of the map the panel and drawers, reaching
// in by ``insets``, leave free.
const inFreeArea = ({ x, y }, { top, bottom, left, right }) =>
  x >= left && x <= window.innerWidth - right && y >= top && y <= window.innerHeight - bottom;

// Brings a box [west, south, east, north] into the free part of the map when the panel or a
// drawer hides some of it: the map pans, and zooms out only when the box cannot fit, never in.
Contamap.revealBox = ([west, south, east, north]) => {
  const map = Contamap.map;
  const insets = Contamap.coveredInsets();
  if (inFreeArea(map.project([west, north]), insets) && inFreeArea(map.project([east, south]), insets)) return;
  map.fitBounds([[west, south], [east, north]], { padding: Contamap.freePadding(20), maxZoom: map.getZoom() });
};

// Shows a place in the free part of the map: a box fitted, or a point flown to at a zoom. A
// point without a zoom (a click) moves only when the panel or the sheet hides it.
Contamap.showPlace = ({ lon, lat, bbox = null, zoom = null }) => {
  const map = Contamap.map;
  if (bbox) {
    const [west, south, east, north] = bbox;
    map.fitBounds([[west, south], [east, north]], { padding: Contamap.freePadding(20), maxZoom: 14 });
    return;
  }
  const insets = Contamap.coveredInsets();
  const { top, bottom, left, right } = insets;
  if (zoom === null && inFreeArea(map.project([lon, lat]), insets)) return;
  map.flyTo({ center: [lon, lat], zoom: zoom ?? map.getZoom(), offset: [(left - right) / 2, (top - bottom) / 2] });
};
