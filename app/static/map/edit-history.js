// A feature's history, opened from its popup in the edit mode: who changed it, when, how, and
// which fields (GET /collections/{id}/items/{fid}/history, newest first; an editor's right).
"use strict";

window.Contamap = window.Contamap || {};

const { element } = Contamap;
const { editSame: same, editShown: shown } = Contamap;

// What one version changed: "field: before → after" for each property of the layer, and the
// geometry's change in a word.
const changes = (layer, version) => {
  const before = version.before || {};
  const after = version.after || {};
  const lines = [];
  for (const name of Object.keys(layer.schema.properties.properties.properties)) {
    if (name in before || name in after) {
      if (!same(before[name], after[name])) lines.push(`${name}: ${shown(before[name])} → ${shown(after[name])}`);
    }
  }
  if (!same(before.geometry, after.geometry)) lines.push(Contamap.t("edit_geometry_changed"));
  return lines;
};

const when = (iso) => new Date(iso).toLocaleString(Contamap.lang === "az" ? "az" : "en-GB", {
  dateStyle: "medium", timeStyle: "short",
});

Contamap.editShowHistory = async (collection, id, code) => {
  const section = document.getElementById("edit-history");
  const title = element("h3", "", Contamap.t("edit_history_of", { code: code || id }));
  title.id = "edit-history-title";
  title.tabIndex = -1;
  section.replaceChildren(title, element("p", "note", Contamap.t("loading")));
  section.hidden = false;
  title.focus();
  const { response, data } = await Contamap.editFetch("GET", `/collections/${collection}/items/${id}/history`);
  section.lastChild.remove();
  if (!response.ok) {
    const key = response.status === 404 ? "edit_history_none" : "edit_history_refused";
    section.append(element("p", "note", Contamap.t(key, { reason: (data && data.description) || response.status })));
    return;
  }
  const layer = Contamap.editLayer(collection);
  const list = element("ol", "edit-history-list");
  for (const version of data.versions) {
    const item = element("li");
    item.append(
      element("p", "edit-history-head", `${when(version.at)} · ${version.actor} · ${Contamap.t(`edit_action_${version.action}`)}`),
    );
    const lines = changes(layer, version);
    if (lines.length) {
      const ul = element("ul", "edit-history-changes");
      for (const line of lines) ul.append(element("li", "", line));
      item.append(ul);
    }
    list.append(item);
  }
  section.append(list);
  Contamap.editHistory = data; // for the browser test
};
