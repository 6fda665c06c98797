// "Report something": a resident places a point (a tap, or their location when they ask),
// says what they saw, may add a description, a photo and a phone number, reads the safety
// advice again and sends it to POST /reports; the answer is a receipt code whose status
// (received, verified, rejected) GET /reports/status/{code} tells, and nothing else.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.reportReceipt = null; // the last receipt, for the browser test

const report = { point: null, marker: null, picking: false };
const byId = (id) => document.getElementById(id);

const say = (id, text) => { byId(id).textContent = text; };

const coordinates = (point) => Contamap.coordinates(point, 5);

const setPicking = (on) => {
  report.picking = on;
  byId("report-pick").setAttribute("aria-pressed", String(on));
  if (on) say("report-point", Contamap.t("report_pick_hint"));
};

const setPoint = ([lon, lat]) => {
  report.point = [lon, lat];
  setPicking(false);
  if (!report.marker) {
    const pin = Contamap.element("div", "report-marker");
    pin.setAttribute("aria-hidden", "true");
    report.marker = new maplibregl.Marker({ element: pin });
  }
  report.marker.setLngLat([lon, lat]).addTo(Contamap.map);
  say("report-point", Contamap.t("report_point", { place: coordinates([lon, lat]) }));
};

// A map click while placing the point is the report's; true when it was taken.
Contamap.pickReportPoint = (event) => {
  if (!report.picking || !Contamap.isOpen("report-panel")) return false;
  setPoint([event.lngLat.lng, event.lngLat.lat]);
  return true;
};

const useMyLocation = () => {
  if (!navigator.geolocation) {
    say("report-point", Contamap.t("locate_unsupported"));
    return;
  }
  say("report-point", Contamap.t("locating"));
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const point = [position.coords.longitude, position.coords.latitude];
      setPoint(point);
      Contamap.showPlace({ lon: point[0], lat: point[1], zoom: Math.max(Contamap.map.getZoom(), 14) });
    },
    (error) => say("report-point", Contamap.t("locate_failed", { error: error.message })),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
  );
};

const statusWords = (status) => Contamap.t(`report_status_${status}`);

// The chosen photo's name beside the page's own button (the browser's speaks its language).
const showPhotoName = () => {
  const name = byId("report-photo-name");
  const photo = byId("report-photo").files[0];
  if (photo) {
    name.removeAttribute("data-i18n"); // a file's name, in no language
    name.textContent = photo.name;
  } else {
    name.setAttribute("data-i18n", "report_photo_none");
    name.textContent = Contamap.t("report_photo_none");
  }
};

const send = async (event) => {
  event.preventDefault();
  const form = byId("report-form");
  const category = form.querySelector("input[name=category]:checked");
  if (!report.point) return say("report-status", Contamap.t("report_need_point"));
  if (!category) return say("report-status", Contamap.t("report_need_category"));
  const body = new FormData();
  body.append("lon", String(report.point[0]));
  body.append("lat", String(report.point[1]));
  body.append("category", category.value);
  for (const name of ["description", "phone"]) {
    const value = form.elements[name].value.trim();
    if (value) body.append(name, value);
  }
  const photo = byId("report-photo").files[0];
  if (photo) body.append("photo", photo);
  const button = byId("report-send");
  button.disabled = true;
  say("report-status", Contamap.t("report_sending"));
  try {
    const response = await fetch(`${Contamap.BASE}/reports`, { method: "POST", body });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 429) {
      const seconds = response.headers.get("Retry-After") || "60";
      return say("report-status", Contamap.t("report_too_many", { seconds }));
    }
    if (!response.ok) {
      const error = answer.description || `${response.status} ${response.statusText}`;
      return say("report-status", Contamap.t("report_failed", { error }));
    }
    Contamap.reportReceipt = answer.receipt;
    say("report-status", "");
    form.reset();
    showPhotoName();
    form.hidden = true;
    say("report-receipt", answer.receipt);
    byId("report-done").hidden = false;
    byId("report-code").value = answer.receipt;
    byId("report-receipt").focus?.();
  } catch (error) {
    say("report-status", Contamap.t("report_failed", { error: error.message }));
  } finally {
    button.disabled = false;
  }
};

const lookUp = async (event) => {
  event.preventDefault();
  const code = byId("report-code").value.trim();
  if (!code) return;
  say("report-lookup-status", Contamap.t("loading"));
  const response = await fetch(`${Contamap.BASE}/reports/status/${encodeURIComponent(code)}`);
  if (response.status === 404) return say("report-lookup-status", Contamap.t("report_lookup_none"));
  const answer = await response.json().catch(() => ({}));
  say("report-lookup-status", response.ok ? statusWords(answer.status) : answer.description || String(response.status));
  byId("report-lookup-status").dataset.status = answer.status || "";
};

const open = () => {
  byId("report-form").hidden = false;
  byId("report-done").hidden = true;
  if (Contamap.PHONE.matches) Contamap.setPanelOpen(false);
  Contamap.openDrawer("report-panel");
  byId("report-open").hidden = true;
  byId("report-title").focus();
};

Contamap.drawerClosers["report-panel"] = () => {
  setPicking(false);
  if (report.marker) report.marker.remove();
  report.point = null;
  say("report-point", Contamap.t("report_no_point"));
  byId("report-open").hidden = false;
};

byId("report-open").addEventListener("click", open);
byId("report-pick").addEventListener("click", () => setPicking(!report.picking));
byId("report-here").addEventListener("click", useMyLocation);
byId("report-form").addEventListener("submit", send);
byId("report-photo").addEventListener("change", showPhotoName);
byId("report-lookup").addEventListener("submit", lookUp);
