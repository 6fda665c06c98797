// Find a place: /search as the user types; a result chosen (click, tap or Enter) flies the map
// there and answers what is near it. "Use my location" asks the browser for the position only
// when pressed, and sends it to /stats/near alone.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.SEARCH_LIMIT = 10;
Contamap.PLACE_ZOOM = 13; // around a settlement or the user's position
Contamap.searchResults = []; // the last results shown, for the browser test

const input = document.getElementById("search-input");
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
const state = { loads: 0 };
const { element } = Contamap;

const close = () => { list.hidden = true; };

const choose = async (place) => {
  close();
  status.textContent = "";
  input.value = place.name;
  Contamap.setPanelOpen(false);
  await Contamap.openNear([place.lon, place.lat], { name: Contamap.bilingual(place) });
  Contamap.showPlace(place.bbox ? { bbox: place.bbox } : { lon: place.lon, lat: place.lat, zoom: Contamap.PLACE_ZOOM });
  document.getElementById("near-title").focus();
};

const resultButton = (place) => {
  const button = element("button", "search-result");
  button.type = "button";
  button.append(element("span", "name", place.name));
  if (place.name_az && place.name_az !== place.name) button.append(" ", element("span", "name-az", place.name_az));
  const facts = [
    Contamap.t(`kind_${place.kind}`), place.district,
    place.population && Contamap.t("population", { n: Contamap.count(place.population) }),
  ];
  button.append(element("span", "kind", facts.filter(Boolean).join(" · ")));
  button.addEventListener("click", () => choose(place));
  return button;
};

const show = (results) => {
  Contamap.searchResults = results;
  list.textContent = "";
  for (const place of results) {
    const item = document.createElement("li");
    item.append(resultButton(place));
    list.append(item);
  }
  status.textContent = results.length ? Contamap.t("search_count", { n: results.length }) : Contamap.t("search_none");
  list.hidden = !results.length;
};

// The places for what is typed now; null when the text is empty or a later search overtook it.
const search = async () => {
  const q = input.value.trim();
  const load = ++state.loads;
  if (!q) {
    close();
    status.textContent = "";
    return null;
  }
  try {
    const params = new URLSearchParams({ q, limit: String(Contamap.SEARCH_LIMIT) });
    const body = await Contamap.getJSON(`/search?${params}`);
    if (load !== state.loads) return null;
    show(body.results);
    return body.results;
  } catch (error) {
    if (load === state.loads) {
      close();
      status.textContent = Contamap.t("search_failed", { error: error.message });
    }
    return null;
  }
};

input.addEventListener("input", Contamap.debounce(search, 250));
document.addEventListener("pointerdown", (event) => {
  if (!document.getElementById("search").contains(event.target)) close();
});

// Enter in the box takes the first place; the arrows move between the box and the results.
document.getElementById("search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const results = await search();
  if (results && results.length) choose(results[0]);
});

const focusResult = (step) => {
  const buttons = [...list.querySelectorAll("button")];
  const at = buttons.indexOf(document.activeElement);
  const next = at + step;
  if (next < 0) input.focus();
  else if (next < buttons.length) buttons[next].focus();
};

document.getElementById("search").addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && !list.hidden) focusResult(1);
  else if (event.key === "ArrowUp" && !list.hidden) focusResult(-1);
  else if (event.key === "Escape" && !list.hidden) {
    close();
    input.focus();
  } else return;
  event.preventDefault();
  event.stopPropagation(); // Escape here closes the results, not the phone's panel
});

document.getElementById("locate").addEventListener("click", () => {
  if (!navigator.geolocation) {
    status.textContent = Contamap.t("locate_unsupported");
    return;
  }
  status.textContent = `${Contamap.t("locating")} ${Contamap.t("locate_note")}`;
  navigator.geolocation.getCurrentPosition(async (position) => {
    status.textContent = "";
    const { longitude: lon, latitude: lat } = position.coords;
    Contamap.setPanelOpen(false);
    await Contamap.openNear([lon, lat], { name: Contamap.t("my_location") });
    Contamap.showPlace({ lon, lat, zoom: Math.max(Contamap.map.getZoom(), Contamap.PLACE_ZOOM) });
  }, (error) => {
    status.textContent = Contamap.t("locate_failed", { error: error.message });
  }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
});
