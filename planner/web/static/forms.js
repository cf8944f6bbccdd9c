"use strict";
// Job forms built from the API's JSON schema (GET /api/jobs/schema, pydantic's): the page holds
// no list of job kinds or fields. A field's type, bounds, default or first example, title and
// description come from the schema; `x-choices: "resources"` fills a select from the result.
window.plannerForms = (function () {
  const SKIP = new Set(["kind", "whatif"]);
  let uid = 0;

  function resolve(schema, root) {
    if (schema && schema.$ref) return resolve(root.$defs[schema.$ref.split("/").pop()], root);
    if (schema && schema.anyOf) {  // X | None → X (nullable); number | string → "scalar"
      const kinds = schema.anyOf.map((s) => resolve(s, root)).filter((s) => s.type !== "null");
      if (kinds.length === 1) return { ...kinds[0], ...strip(schema), nullable: true };
      if (kinds.every((s) => ["number", "integer", "string"].includes(s.type))) return { ...strip(schema), type: "scalar" };
    }
    return schema || {};
  }
  const strip = (s) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== "anyOf"));
  const label = (name, s) => s.title || name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const initial = (s) => (s.default !== undefined && !(Array.isArray(s.default) && !s.default.length && s.examples)) ? s.default
    : (s.examples ? s.examples[0] : undefined);

  function scalarInput(name, s, value, ctx) {
    const id = `f${++uid}`;
    let input;
    const choices = s.enum || (s.const !== undefined ? [s.const] : null) ||
      (s["x-choices"] === "resources" ? ["", ...ctx.resources()] : null);
    if (choices) {
      input = document.createElement("select");
      for (const c of choices) {
        const o = document.createElement("option"); o.value = c; o.textContent = c === "" ? "(default)" : c;
        if (String(c) === String(value ?? "")) o.selected = true; input.append(o);
      }
    } else if (s.type === "boolean") {
      input = document.createElement("input"); input.type = "checkbox"; input.checked = !!value;
    } else if (s.type === "array") {
      input = document.createElement("input"); input.type = "text"; input.value = (value || []).join(", ");
      input.placeholder = "comma separated";
    } else {
      input = document.createElement("input");
      input.type = s.type === "number" || s.type === "integer" ? "number" : "text";
      if (input.type === "number") {
        input.step = s.type === "integer" ? "1" : "any";
        for (const [k, a] of [["minimum", "min"], ["exclusiveMinimum", "min"], ["maximum", "max"], ["exclusiveMaximum", "max"]]) {
          if (s[k] !== undefined) input[a] = s[k];
        }
      }
      if (value !== undefined && value !== null) input.value = value;
    }
    input.id = id; input.name = name; input.dataset.field = name;
    const l = document.createElement("label"); l.htmlFor = id;
    l.append(label(name, s)); if (s.description) l.title = s.description;
    const wrap = document.createElement("div"); wrap.className = "field"; wrap.append(l, input);
    if (s.description) { const d = document.createElement("small"); d.className = "muted"; d.textContent = s.description; wrap.append(d); }
    return wrap;
  }

  function objectRow(s, value, root, ctx, list) {
    const row = document.createElement("fieldset"); row.className = "item";
    for (const [name, sub] of Object.entries(s.properties)) row.append(scalarInput(name, resolve(sub, root), (value || {})[name] ?? initial(resolve(sub, root)), ctx));
    const rm = document.createElement("button"); rm.type = "button"; rm.textContent = "Remove";
    rm.setAttribute("aria-label", `Remove this ${s.title || "item"}`);
    rm.addEventListener("click", () => row.remove());
    row.append(rm);
    list.append(row);
  }

  function field(name, s, root, ctx) {
    const value = initial(s);
    if (s.type === "array" && s.items) {
      const item = resolve(s.items, root);
      if (item.type === "object" && item.properties) {
        const set = document.createElement("fieldset"); set.className = "list"; set.dataset.list = name;
        const legend = document.createElement("legend"); legend.textContent = label(name, s); set.append(legend);
        if (s.description) { const d = document.createElement("small"); d.className = "muted"; d.textContent = s.description; set.append(d); }
        const list = document.createElement("div"); set.append(list);
        for (const v of value || []) objectRow(item, v, root, ctx, list);
        const add = document.createElement("button"); add.type = "button"; add.textContent = `Add ${(item.title || "item").toLowerCase()}`;
        add.addEventListener("click", () => { objectRow(item, null, root, ctx, list); list.lastChild.querySelector("input,select").focus(); });
        set.append(add);
        set._item = item;
        return set;
      }
      return scalarInput(name, { ...s, type: "array", itemType: item.type }, value, ctx);
    }
    return scalarInput(name, s, value, ctx);
  }

  function build(container, schema, ctx) {
    container.textContent = "";
    for (const [name, raw] of Object.entries(schema.properties)) {
      if (SKIP.has(name)) continue;
      const f = field(name, resolve(raw, schema), schema, ctx);
      f._schema = resolve(raw, schema); f._name = name;
      container.append(f);
    }
  }

  function read(input, s) {
    if (input.type === "checkbox") return input.checked;
    const v = input.value.trim();
    if (s.type === "array") {
      const item = s.items ? s.items : {};
      const parts = v.split(",").map((x) => x.trim()).filter(Boolean);
      const numeric = ["number", "integer"].includes(item.type) || (item.anyOf || []).some((a) => a.type === "number");
      if (!parts.length && s.nullable) return undefined;  // empty: the scenario's own
      return parts.map((x) => (numeric && x !== "" && !isNaN(+x) ? +x : x));
    }
    if (v === "") return undefined;
    if (s.type === "number" || s.type === "integer") return Number(v);
    if (s.type === "scalar") return isNaN(+v) ? v : +v;
    return v;
  }

  function values(container, schema) {
    const body = {};
    for (const f of container.children) {
      const s = f._schema, name = f._name;
      if (f.dataset.list) {
        body[name] = [...f.querySelectorAll("fieldset.item")].map((row) => {
          const out = {};
          for (const input of row.querySelectorAll("[data-field]")) {
            const sub = resolve(f._item.properties[input.dataset.field], schema);
            const v = read(input, sub);
            if (v !== undefined) out[input.dataset.field] = v;
          }
          return out;
        });
        continue;
      }
      const input = f.querySelector("[data-field]");
      const v = read(input, s);
      if (v !== undefined) body[name] = v;
    }
    return body;
  }
  return { build, values };
})();
