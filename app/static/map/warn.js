// Warnings for people on the move. Only when asked ("Warn me near danger"), the browser's
// position is watched while the page is open and shown; each new position (after a move or a
// pause) goes to /stats/near alone, which keeps no position (its access-log line has no query
// string), and the answer is shown as a warning: inside a mapped hazardous area, or within
// WARN_DISTANCE_M of one, with the nearest one's direction and distance. Nothing is stored;
// the watch stops when the page is hidden or closed, and there is no background tracking.
"use strict";

window.Contamap = window.Contamap || {};

// The one documented distance: a mapped hazardous area this near (metres, geodesic) is warned of.
Contamap.WARN_DISTANCE_M = 500;
Contamap.WARN_MOVE_M = 15; // a new answer after the person moved this far...
Contamap.WARN_EVERY_MS = 20000; // ...or after this long without moving
Contamap.warning = null; // the last warning shown ({level, zone}), for the browser test

const COMPASS = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];
const state = { on: false, watch: null, asked: null, askedAt: 0, busy: false, latest: null, answer: null, marker: null };
const byId = (id) => document.getElementById(id);

// A bearing (degrees clockwise from north) as one of the eight compass points, in words.
Contamap.direction = (bearing) => Contamap.t(`dir_${COMPASS[Math.round((((bearing % 360) + 360) % 360) / 45) % 8]}`);

// A distance in metres (rounded to 10 m) or, from 1 km, in kilometres.
Contamap.distanceWords = (km) => (km < 1
  ? Contamap.t("metres", { n: Math.max(10, Math.round(km * 100) * 10) })
  : Contamap.t("kilometres", { n: Number(km).toLocaleString(Contamap.lang, { maximumFractionDigits: 1 }) }));

// Metres between two positions (a sphere is exact enough to decide whether to ask again).
const metres = ([lon1, lat1], [lon2, lat2]) => {
  const rad = Math.PI / 180;
  const x = (lon2 - lon1) * rad * Math.cos(((lat1 + lat2) / 2) * rad);
  return 6371000 * Math.hypot(x, (lat2 - lat1) * rad);
};

const say = (level, title, detail) => {
  const box = byId("warn");
  box.hidden = false;
  box.className = `warn warn-${level}`;
  byId("warn-title").textContent = title;
  byId("warn-detail").textContent = detail;
  byId("warn-guarantee").textContent = Contamap.t("not_a_guarantee");
};

const show = (answer) => {
  const zone = answer.nearest_zone;
  const risk = zone && Contamap.t(`risk_${zone.risk_level}`);
  if (zone && zone.distance_km === 0) {
    Contamap.warning = { level: "inside", zone };
    say("inside", Contamap.t("warn_inside_title"), Contamap.t("warn_inside", { code: zone.code, risk }));
  } else if (zone && zone.distance_km * 1000 <= Contamap.WARN_DISTANCE_M) {
    Contamap.warning = { level: "near", zone };
    say("near", Contamap.t("warn_near_title"), Contamap.t("warn_near", {
      code: zone.code, risk, distance: Contamap.distanceWords(zone.distance_km), direction: Contamap.direction(zone.bearing_deg),
    }));
  } else {
    Contamap.warning = { level: "clear", zone };
    say("clear", Contamap.t("warn_clear", { m: Contamap.WARN_DISTANCE_M }), Contamap.t("warn_note"));
  }
};

const ask = async () => {
  if (state.busy || !state.latest) return;
  const here = state.latest;
  state.busy = true;
  state.asked = here;
  state.askedAt = Date.now();
  try {
    const params = new URLSearchParams({
      lon: String(here[0]), lat: String(here[1]), within_km: String(Contamap.WARN_DISTANCE_M / 1000),
    });
    const answer = await Contamap.getJSON(`/stats/near?${params}`);
    if (!state.on) return;
    state.answer = answer;
    show(answer);
  } catch (error) {
    if (state.on) say("clear", Contamap.t("near_failed", { error: error.message }), Contamap.t("not_a_guarantee"));
  } finally {
    state.busy = false;
  }
  // The person moved on while the answer was on its way: ask for where they are now.
  if (state.on && state.latest !== here && metres(state.latest, here) >= Contamap.WARN_MOVE_M) ask();
};

const moved = (position) => {
  const here = [position.coords.longitude, position.coords.latitude];
  state.latest = here;
  if (!state.marker) {
    const dot = Contamap.element("div", "warn-marker");
    dot.setAttribute("aria-hidden", "true");
    state.marker = new maplibregl.Marker({ element: dot });
  }
  state.marker.setLngLat(here).addTo(Contamap.map);
  const far = !state.asked || metres(state.asked, here) >= Contamap.WARN_MOVE_M;
  if (far || Date.now() - state.askedAt >= Contamap.WARN_EVERY_MS) ask();
};

const watch = () => {
  if (state.watch !== null) return;
  state.watch = navigator.geolocation.watchPosition(moved, (error) => {
    say("clear", Contamap.t("locate_failed", { error: error.message }), Contamap.t("not_a_guarantee"));
  }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
};

const unwatch = () => {
  if (state.watch !== null) navigator.geolocation.clearWatch(state.watch);
  state.watch = null;
};

const setOn = (on) => {
  const button = byId("warn-toggle");
  state.on = on;
  button.setAttribute("aria-pressed", String(on));
  button.dataset.i18n = on ? "warn_off" : "warn_on";
  button.textContent = Contamap.t(button.dataset.i18n);
  if (on) {
    say("clear", Contamap.t("warn_waiting"), Contamap.t("warn_note"));
    watch();
    return;
  }
  unwatch();
  Object.assign(state, { asked: null, askedAt: 0, latest: null, answer: null });
  Contamap.warning = null;
  byId("warn").hidden = true;
  if (state.marker) state.marker.remove();
};

byId("warn-toggle").addEventListener("click", () => {
  if (!navigator.geolocation) {
    say("clear", Contamap.t("locate_unsupported"), Contamap.t("not_a_guarantee"));
    return;
  }
  setOn(!state.on);
});

// Hidden (another app, the screen off) or closed: the position is no longer watched. Shown
// again with the warnings on: watched again, and the person told why it paused.
document.addEventListener("visibilitychange", () => {
  if (document.hidden) {
    unwatch();
  } else if (state.on) {
    say("clear", Contamap.t("warn_paused"), Contamap.t("warn_note"));
    state.asked = null;
    watch();
  }
});
window.addEventListener("pagehide", unwatch);

Contamap.languageListeners.push(() => {
  if (state.on && state.answer) show(state.answer);
});
