// The edit mode's attribute form, generated from the layer's JSON Schema (/collections/{id}/schema):
// a select for an enumeration, checkboxes for an array of enumerated values, a number, a date,
// a checkbox for a boolean, text otherwise; required fields are marked. The server's 422 answer
// is shown field by field, next to the field it names.
"use strict";

window.Contamap = window.Contamap || {};

const { element } = Contamap;
const formElement = () => document.getElementById("edit-form");
const fieldId = (name) => `edit-field-${name}`;
// A field's name in the catalogue's words when it has them, else the schema's description.
const fieldName = (name, schema) => (name in Contamap.messages ? Contamap.t(name)
  : (schema.description || name).charAt(0).toUpperCase() + (schema.description || name).slice(1));

// The control of one property: its element(s) and how its value is read and written.
const control = (name, schema, required) => {
  const id = fieldId(name);
  if (schema.type === "array" && schema.items && schema.items.enum) {
    const group = element("fieldset", "edit-choices");
    group.id = id;
    group.append(element("legend", "", fieldName(name, schema) + (required ? " *" : "")));
    for (const value of schema.items.enum) {
      const label = element("label");
      const box = Object.assign(document.createElement("input"), { type: "checkbox", name, value });
      label.append(box, ` ${Contamap.word(name, value)}`);
      group.append(label);
    }
    return {
      node: group, focus: group.querySelector("input"),
      read: () => [...group.querySelectorAll("input:checked")].map((box) => box.value),
      write: (value) => { for (const box of group.querySelectorAll("input")) box.checked = (value || []).includes(box.value); },
    };
  }
  let input;
  if (schema.enum) {
    input = element("select");
    input.append(Object.assign(element("option", "", "—"), { value: "" }));
    for (const value of schema.enum) input.append(Object.assign(element("option", "", Contamap.word(name, value)), { value }));
  } else {
    input = document.createElement("input");
    const types = { integer: "number", number: "number", boolean: "checkbox" };
    input.type = schema.format === "date" ? "date" : types[schema.type] || "text";
    if (schema.type === "integer") input.step = "1";
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
  }
  Object.assign(input, { id, name });
  if (required) input.setAttribute("aria-required", "true");
  const label = element("label", "", fieldName(name, schema) + (required ? " *" : ""));
  label.htmlFor = id;
  const node = element("div", "edit-field");
  node.append(label, input);
  const list = schema.type === "array";
  return {
    node, focus: input,
    read: () => {
      if (input.type === "checkbox") return input.checked;
      const text = input.value.trim();
      if (text === "") return undefined;
      if (list) return text.split(",").map((item) => item.trim()).filter(Boolean);
      // A number the browser cannot read is sent as typed, so that the server names it.
      if (input.type === "number") return input.validity.badInput || !/^-?\d+$/.test(text) ? text : Number(text);
      return text;
    },
    write: (value) => {
      if (input.type === "checkbox") input.checked = Boolean(value);
      else input.value = value === undefined || value === null ? "" : list ? value.join(", ") : String(value);
    },
  };
};

const fields = new Map(); // property name → its control

// Whether two values are the same (absent and null alike), and a value in words, for the
// conflict view and the history.
Contamap.editSame = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
Contamap.editShown = (value) => (value === undefined || value === null || value === "" ? "—"
  : Array.isArray(value) ? value.join(", ") : String(value));

Contamap.editForm = {
  // The form of a layer's feature, filled with its properties; computed ones are left out.
  build(schema, values) {
    const form = formElement();
    form.replaceChildren();
    fields.clear();
    const described = schema.properties.properties;
    const required = new Set(described.required || []);
    const note = element("p", "note", Contamap.t("edit_required"));
    form.append(note);
    for (const [name, property] of Object.entries(described.properties)) {
      if (property.readOnly) continue;
      const item = control(name, property, required.has(name));
      item.write(values[name]);
      fields.set(name, item);
      form.append(item.node);
    }
    const save = Object.assign(element("button", "edit-save", Contamap.t("edit_save")), { type: "submit", id: "edit-save" });
    form.append(save);
    form.hidden = false;
  },

  // The properties as the form holds them; an empty field is left out.
  read() {
    const properties = {};
    for (const [name, item] of fields) {
      const value = item.read();
      if (value !== undefined) properties[name] = value;
    }
    return properties;
  },

  // The names of the properties the form holds (the computed ones are not among them).
  names() {
    return [...fields.keys()];
  },

  write(values) {
    for (const [name, item] of fields) item.write(values[name]);
  },

  clear() {
    const form = formElement();
    form.replaceChildren();
    form.hidden = true;
    fields.clear();
  },

  clearProblems() {
    for (const old of formElement().querySelectorAll(".edit-problem")) old.remove();
    for (const old of formElement().querySelectorAll("[aria-invalid]")) {
      old.removeAttribute("aria-invalid");
      old.removeAttribute("aria-describedby");
    }
  },

  // Show each "properties.<field>: ..." sentence next to its field, and focus the first; the
  // sentences that name no field of the form are returned.
  showProblems(problems) {
    this.clearProblems();
    const left = [];
    let first = null;
    for (const problem of problems) {
      const match = /^properties\.([A-Za-z_][A-Za-z0-9_]*)(?:\.\d+)?: (.*)$/.exec(problem);
      const item = match && fields.get(match[1]);
      if (!item) {
        left.push(problem);
        continue;
      }
      const message = element("p", "edit-problem", match[2]);
      message.id = `${fieldId(match[1])}-problem`;
      const targets = item.node.tagName === "FIELDSET" ? item.node.querySelectorAll("input") : [item.focus];
      for (const target of targets) {
        target.setAttribute("aria-invalid", "true");
        target.setAttribute("aria-describedby", message.id);
      }
      item.node.append(message);
      first ||= item.focus;
    }
    if (first) first.focus();
    return left;
  },
};
