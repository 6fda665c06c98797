// The editors' queue: for a signed-in editor or admin (Contamap.session), "Reports" opens the
// residents' reports that wait for a decision (GET /reports?status=received, newest first),
// each with what was seen, when, the description and the photo, and a marker on the map.
// Each is verified as an incident or an SHA (a radius in metres; blank is the server's
// documented default), merged into the nearest zone (/stats/near) or a zone clicked on the
// map, or rejected with a reason. Every change sends the session's X-CSRF-Token.
"use strict";

window.Contamap = window.Contamap || {};

const QUEUE_ROLES = new Set(["editor", "admin"]);
const QUEUE_ZOOM = 14; // close enough to see the mapped zones around a report
const queue = { reports: [], markers: [], picking: null, targets: {} };
const byId = (id) => document.getElementById(id);
const el = (...args) => Contamap.element(...args);

const canModerate = () => Boolean(Contamap.session && QUEUE_ROLES.has(Contamap.session.role));
const say = (text) => { byId("queue-status").textContent = text; };

// The answer's JSON, or an error carrying the API's own sentence.
const call = async (path, body) => {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", ...Contamap.csrfHeaders() },
    body: JSON.stringify(body),
  };
  const response = await fetch(`${Contamap.BASE}${path}`, { ...init, headers: { Accept: "application/json", ...init.headers } });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.description || `${response.status} ${response.statusText}`);
  return answer;
};

const clearMarkers = () => {
  for (const marker of queue.markers) marker.remove();
  queue.markers = [];
};

const showOnMap = (report) => {
  if (!Contamap.map) return;
  if (Contamap.PHONE.matches) Contamap.setPanelOpen(false);
  // On a phone the sheet covers the map's lower part: the report goes in the part left free.
  const sheet = Contamap.PHONE.matches ? byId("drawers").getBoundingClientRect().height : 0;
  Contamap.map.flyTo({
    center: [report.lon, report.lat],
    zoom: Math.max(Contamap.map.getZoom(), QUEUE_ZOOM),
    padding: { top: 0, bottom: sheet, left: 0, right: 0 },
  });
};

const addMarker = (report) => {
  if (!Contamap.map) return;
  const pin = el("div", "queue-marker");
  pin.setAttribute("aria-hidden", "true");
  pin.title = report.reference;
  pin.addEventListener("click", (event) => {
    event.stopPropagation();
    byId(`queue-item-${report.id}`)?.scrollIntoView({ block: "nearest" });
    byId(`queue-item-${report.id}`)?.querySelector("h3")?.focus();
  });
  queue.markers.push(new maplibregl.Marker({ element: pin }).setLngLat([report.lon, report.lat]).addTo(Contamap.map));
};

const when = (iso) => new Date(iso).toLocaleString(Contamap.lang === "az" ? "az-Latn-AZ" : "en-GB", {
  dateStyle: "medium", timeStyle: "short",
});

const button = (key, action, values) => {
  const b = el("button", null, Contamap.t(key, values));
  b.type = "button";
  b.addEventListener("click", action);
  return b;
};

// Send one decision; the list is read again, so a decided report leaves it.
const decide = async (report, step, body, row) => {
  const status = row.querySelector(".queue-row-status");
  status.textContent = Contamap.t("loading");
  for (const b of row.querySelectorAll("button")) b.disabled = true;
  try {
    await call(`/reports/${report.id}/${step}`, body);
    say(Contamap.t(`queue_done_${step}`, { ref: report.reference }));
    await load();
  } catch (error) {
    status.textContent = Contamap.t("queue_failed", { error: error.message });
    for (const b of row.querySelectorAll("button")) b.disabled = false;
  }
};

const labelled = (id, key, input) => {
  const label = el("label", null, Contamap.t(key));
  label.htmlFor = id;
  input.id = id;
  return [label, input];
};

// Where a report is merged: the nearest zone, or the zone picked on the map.
const showTarget = (report, row) => {
  const target = queue.targets[report.id];
  const box = row.querySelector(".queue-merge-target");
  box.textContent = "";
  if (!target) return;
  box.append(el("span", null, Contamap.t("queue_merge_target", { code: target.code, km: target.km })), " ");
  box.append(button("queue_merge_confirm", () => decide(report, "merge",
    { collection: "contaminated_zones", feature_id: target.id }, row), { code: target.code }));
};

const nearest = async (report, row) => {
  const status = row.querySelector(".queue-row-status");
  status.textContent = Contamap.t("loading");
  try {
    const near = await call(`/stats/near?lon=${report.lon}&lat=${report.lat}`);
    status.textContent = "";
    if (!near.nearest_zone) {
      status.textContent = Contamap.t("queue_no_zone");
      return;
    }
    const zone = near.nearest_zone;
    queue.targets[report.id] = { id: zone.id, code: zone.code, km: Contamap.t("queue_km", { km: zone.distance_km.toFixed(2) }) };
    showTarget(report, row);
  } catch (error) {
    status.textContent = Contamap.t("queue_failed", { error: error.message });
  }
};

const pick = (report, row) => {
  queue.picking = { report, row };
  row.querySelector(".queue-row-status").textContent = Contamap.t("queue_pick_hint");
  showOnMap(report);
};

// A map click while an editor picks a zone is the queue's; true when it was taken.
const pickZone = (map, event) => {
  if (!queue.picking || !Contamap.isOpen("queue-panel")) return false;
  const { report, row } = queue.picking;
  const zone = map.queryRenderedFeatures(event.point, { layers: ["zones-fill"] })[0];
  if (!zone || zone.id === undefined) {
    row.querySelector(".queue-row-status").textContent = Contamap.t("queue_pick_none");
    return true;
  }
  queue.picking = null;
  row.querySelector(".queue-row-status").textContent = "";
  queue.targets[report.id] = { id: zone.id, code: zone.properties.code || String(zone.id), km: Contamap.t("queue_picked") };
  showTarget(report, row);
  if (Contamap.PHONE.matches) Contamap.openDrawer("queue-panel");
  row.scrollIntoView({ block: "nearest" });
  return true;
};

// near.js answers map clicks; while a zone is being picked for a merge, the click is ours.
const answerNear = Contamap.clickNear;
Contamap.clickNear = (map, event) => pickZone(map, event) || answerNear(map, event);

const item = (report) => {
  const row = el("li", "queue-item");
  row.id = `queue-item-${report.id}`;
  const title = el("h3", null, `${Contamap.t(`report_category_${report.category}`)} · ${report.reference}`);
  title.tabIndex = -1;
  const time = el("time", "queue-time", when(report.received_at));
  time.dateTime = report.received_at;
  row.append(title, time);
  row.append(el("p", "queue-description", report.description || Contamap.t("queue_no_description")));
  if (report.photo) {
    const img = el("img", "queue-photo");
    img.src = `${Contamap.BASE}/reports/${report.id}/photo`;
    img.alt = Contamap.t("queue_photo_alt", { ref: report.reference });
    img.loading = "lazy";
    row.append(img);
  }
  if (report.phone) row.append(el("p", "queue-phone", Contamap.t("queue_phone", { phone: report.phone })));
  const actions = el("div", "queue-actions");
  actions.append(button("queue_show", () => showOnMap(report)));
  actions.append(button("queue_verify_incident", () => decide(report, "verify", { as: "incident" }, row)));
  const radius = el("input");
  radius.type = "number";
  radius.min = "10";
  radius.max = "5000";
  radius.step = "10";
  radius.inputMode = "numeric";
  radius.placeholder = Contamap.t("queue_radius_default");
  const sha = el("div", "queue-sha");
  sha.append(...labelled(`queue-radius-${report.id}`, "queue_radius", radius));
  sha.append(button("queue_verify_sha", () => {
    const body = { as: "sha" };
    if (radius.value.trim()) body.radius_m = Number(radius.value);
    decide(report, "verify", body, row);
  }));
  const merge = el("div", "queue-merge");
  merge.append(button("queue_merge_nearest", () => nearest(report, row)));
  merge.append(button("queue_merge_pick", () => pick(report, row)));
  merge.append(el("p", "queue-merge-target"));
  const reason = el("input");
  reason.type = "text";
  reason.maxLength = 2000;
  const reject = el("div", "queue-reject");
  reject.append(...labelled(`queue-reason-${report.id}`, "queue_reason", reason));
  reject.append(button("queue_reject", () => {
    if (reason.value.trim().length < 3) {
      row.querySelector(".queue-row-status").textContent = Contamap.t("queue_need_reason");
      reason.focus();
      return;
    }
    decide(report, "reject", { reason: reason.value.trim() }, row);
  }));
  const status = el("p", "queue-row-status");
  status.setAttribute("role", "status");
  row.append(actions, sha, merge, reject, status);
  showTarget(report, row);
  return row;
};

const render = () => {
  const list = byId("queue-list");
  list.textContent = "";
  clearMarkers();
  for (const report of queue.reports) {
    list.append(item(report));
    addMarker(report);
  }
  byId("queue-count").textContent = Contamap.t("queue_count", { n: queue.reports.length });
};

const load = async () => {
  byId("queue-count").textContent = Contamap.t("loading");
  try {
    const page = await call("/reports?status=received&limit=100");
    queue.reports = page.reports;
    Contamap.queueReports = page.reports.map((report) => report.id); // for the browser test
    render();
  } catch (error) {
    byId("queue-count").textContent = Contamap.t("queue_failed", { error: error.message });
  }
};

const open = () => {
  if (Contamap.PHONE.matches) Contamap.setPanelOpen(false);
  say("");
  Contamap.openDrawer("queue-panel");
  byId("queue-title").focus();
  load();
};

Contamap.drawerClosers["queue-panel"] = () => {
  clearMarkers();
  queue.picking = null;
};

document.addEventListener("contamap:session", () => {
  byId("queue-open").hidden = !canModerate();
  if (!canModerate() && Contamap.isOpen("queue-panel")) Contamap.closeDrawer("queue-panel");
});
Contamap.languageListeners?.push(() => { if (Contamap.isOpen("queue-panel")) render(); });
byId("queue-open").addEventListener("click", open);
