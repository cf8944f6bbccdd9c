"use strict";
// The workbench page: every change re-solves through the JSON API (no network beyond this app).
// Trust: every panel says which what-if it belongs to; when the what-if changes, a panel is
// refreshed (the explanation) or marked as belonging to an earlier what-if (a job's result);
// a failed solve keeps the last good result on screen with the problems beside it.
const CSRF = document.querySelector("meta[name=planner-csrf]").content;
const SID = sessionStorage.getItem("planner-session") || Math.random().toString(36).slice(2) + Date.now().toString(36);
sessionStorage.setItem("planner-session", SID);  // per tab: two tabs keep separate what-ifs
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
};
const fmt = (v, d = 3) => v === null || v === undefined ? "–" : (typeof v === "number" ? v.toLocaleString("en", { maximumFractionDigits: d }) : String(v));
const OBJECTIVE_WORDS = {
  max_coverage: "Objective: the weighted share of the capability gaps closed (each gap's weight × its sector's weight), higher is better.",
  min_cost: "Objective: the cost of the portfolio, lower is better.",
};

let state = { scenario: "", edits: {}, lock_in: [], lock_out: [], rules_off: [],
              replan: { from: "", folder: "", max_changes: "", max_dropped: "", max_added: "" } };
let base = null, last = null, pinned = null, seq = 0, explained = null;
let lastGood = null;  // the last what-if with a plan, kept on screen while a later one has none
window.planner = { solves: 0, latencies: [], last: null, busy: false, charts: 0, csp: [] };
document.addEventListener("securitypolicyviolation", (e) => window.planner.csp.push(`${e.violatedDirective} ${e.blockedURI}`));

async function api(method, path, body, raw = false) {
  const res = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Planner-CSRF": CSRF, "X-Planner-Session": SID },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (raw && res.ok) return { ok: true, status: res.status, blob: await res.blob(), res };
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: "no JSON answer" }; }
  return { ok: res.ok, status: res.status, data };
}

function replanSets() {
  const r = state.replan, out = [];
  if (r.from === "pinned" && pinned) out.push(`replan.incumbent=${JSON.stringify(pinned.selected_ids)}`);
  else if (r.from === "folder" && r.folder.trim()) out.push(`replan.incumbent=${r.folder.trim()}`);
  else return out;
  for (const k of ["max_changes", "max_dropped", "max_added"]) if (r[k] !== "") out.push(`replan.${k}=${r[k]}`);
  return out;
}

function whatif() {
  return { scenario: state.scenario, set: [...Object.entries(state.edits).map(([k, v]) => `${k}=${v}`), ...replanSets()],
           lock_in: state.lock_in, lock_out: state.lock_out, rules_off: state.rules_off };
}
const whatifKey = () => JSON.stringify(whatif());

function whatifLabel(w = whatif()) {  // the what-if in words, shown on every panel
  const parts = [w.scenario.replace(/^models\//, "")];
  const edited = w.set.length || w.lock_in.length || w.lock_out.length || w.rules_off.length;
  if (!edited) parts.push("no edits");
  for (const s of w.set) parts.push(s.startsWith("replan.incumbent=[") ? "re-plan from the pinned result" : editWords(s));
  if (w.lock_in.length) parts.push(`locked in: ${w.lock_in.map(optionName).join(", ")}`);
  if (w.lock_out.length) parts.push(`locked out: ${w.lock_out.map(optionName).join(", ")}`);
  if (w.rules_off.length) parts.push(`rules off: ${w.rules_off.join(", ")}`);
  return parts.join(" · ");
}
function editWords(s) {  // "budget (M$) limit = 3360" for limits.budget_musd=3360; other keys as written
  const i = s.indexOf("="), key = s.slice(0, i), value = s.slice(i + 1);
  return `${key.startsWith("limits.") ? `${words(key.slice(7))} limit` : key} = ${value}`;
}
function optionName(o) {
  const hit = base && base.options.find((x) => x.option_id === o);
  return hit ? hit.name : o;
}

function showProblems(data) {
  const box = $("problems");
  box.textContent = "";
  if (!data) { box.hidden = true; return; }
  box.hidden = false;
  box.append(el("strong", { text: "This what-if was not solved; the last good result stays on screen." }));
  const ul = el("ul");
  for (const p of data.problems || [{ message: data.message || data.error || "failed" }]) {
    const where = [p.file, p.key && `key ${p.key}`, p.row && `row ${p.row}`, p.column && `column ${p.column}`].filter(Boolean).join(", ");
    ul.append(el("li", { text: `${where ? where + ": " : ""}${p.message}${p.value ? ` (got ${p.value})` : ""}` }));
  }
  box.append(ul);
}

async function solve() {
  const my = ++seq, t0 = performance.now(), key = whatifKey();
  window.planner.busy = true;
  markExplainStale();
  const r = await api("POST", "/api/solve", whatif());
  if (my !== seq) return;
  window.planner.busy = false;
  const ms = performance.now() - t0;
  if (!r.ok) { showProblems(r.data); window.planner.last = { error: r.data, ms }; if (base) renderControls(); return; }
  showProblems(null);
  last = { ...r.data, key };
  if (!base) base = r.data;
  if (r.data.status === "infeasible" && lastGood) {  // the last good result stays, said to be the last good one
    render(lastGood.data);
    $("status").textContent = r.data.status; $("status").className = `status-${r.data.status}`;
    $("objective").textContent = "–"; $("objective").dataset.value = ""; $("selected").textContent = "0";
    $("kept").textContent = `No plan meets this what-if. The charts and tables below are the last feasible plan, for: ${lastGood.label}`;
    $("kept").hidden = false;
  } else {
    render(last);
    if (r.data.status !== "infeasible") lastGood = { data: last, label: whatifLabel() };
    $("kept").hidden = true;
  }
  window.planner.solves++; window.planner.latencies.push(ms);
  window.planner.last = { objective: r.data.objective, status: r.data.status, ms };
  window.planner.result = last;
  $("latency").textContent = `${Math.round(ms)} ms (${r.data.resolve_path})`;
  if (r.data.status === "infeasible") diagnose(); else $("diagnosis").hidden = true;
  refreshExplain();
  if (window.plannerJobs) window.plannerJobs.whatifChanged(key);
}

function setEdit(key, value, baseValue) {
  if (value === "" || value === null || String(value) === String(baseValue)) delete state.edits[key];
  else state.edits[key] = value;
  solve();
}

function numberInput(name, value, label) {
  const input = el("input", { type: "number", name, step: "any", min: "0", value: value ?? "" });
  input.addEventListener("change", () => setEdit(name, input.value, value));
  return el("label", {}, label, input);
}

const words = (r) => ((base && base.resource_words) || {})[r] || r;  // "budget (M$)" for budget_musd

function renderControls() {
  const s = base.settings;
  const cur = (k, v) => (k in state.edits ? state.edits[k] : v);
  $("sense").value = cur("objective.sense", s.sense);
  $("risk").value = cur("objective.risk_penalty", s.risk_penalty);
  const limits = $("limits"); limits.textContent = "";
  for (const [r, v] of Object.entries(s.limits)) {
    const row = numberInput(`limits.${r}`, v, words(r));
    row.querySelector("input").value = cur(`limits.${r}`, v);
    limits.append(row);
  }
  const sw = $("sector-weights"); sw.textContent = "";
  for (const [sid, name] of Object.entries(base.sector_names)) {
    const k = `objective.sector_weights.${sid}`, v = s.sector_weights[sid] ?? 1;
    const row = numberInput(k, v, name); row.querySelector("input").value = cur(k, v); sw.append(row);
  }
  const gw = $("gap-weights"); gw.textContent = "";
  for (const g of base.coverage) {
    const k = `objective.gap_weights.${g.gap_id}`, v = s.gap_weights[g.gap_id] ?? g.weight;
    const row = numberInput(k, v, g.name || g.gap_id); row.querySelector("input").value = cur(k, v); gw.append(row);
  }
  const rules = $("rules"); rules.textContent = "";
  const fams = [...new Set([...base.rules_active, ...state.rules_off])];
  if (!fams.length) rules.append(el("p", { class: "muted", text: "This scenario switches no rule family on." }));
  for (const f of fams) {
    const box = el("input", { type: "checkbox", name: `rule-${f}`, checked: !state.rules_off.includes(f) });
    box.addEventListener("change", () => {
      state.rules_off = box.checked ? state.rules_off.filter((x) => x !== f) : [...state.rules_off, f];
      solve();
    });
    rules.append(el("label", {}, f, box));
  }
  const locks = $("locks"); locks.textContent = "";
  for (const [list, word] of [["lock_in", "in"], ["lock_out", "out"]]) {
    for (const o of state[list]) {
      locks.append(el("li", {}, `${optionName(o)} locked ${word} `, el("button", { type: "button", "aria-label": `Unlock ${o}`, text: "unlock",
        onclick: () => { state[list] = state[list].filter((x) => x !== o); solve(); } })));
    }
  }
  if (!locks.children.length) locks.append(el("li", { class: "muted", text: "none: lock options from the tables" }));
  const edits = $("edits"); edits.textContent = "";
  for (const [k, v] of Object.entries(state.edits)) {
    edits.append(el("li", {}, el("code", { text: `${k}=${v}` }), " ", el("button", { type: "button", "aria-label": `Undo ${k}`, text: "undo",
      onclick: () => { delete state.edits[k]; solve(); } })));
  }
  if (!edits.children.length) edits.append(el("li", { class: "muted", text: "none" }));
}

function table(id, head, rows) {
  const t = $(id) || id; t.textContent = "";
  t.append(el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))));
  const body = el("tbody");
  for (const r of rows) body.append(el("tr", r.attrs || {}, ...r.cells.map((c) => c instanceof Node ? el("td", {}, c) :
    Array.isArray(c) ? el("td", { class: "list" }, chips(c)) : el("td", { class: typeof c === "number" ? "num" : null, text: fmt(c) }))));
  t.append(body);
  return t;
}
function chips(items) {  // a list that wraps, one name per chip
  const ul = el("ul", { class: "chips" });
  for (const i of items) ul.append(el("li", { text: i }));
  return ul;
}

function render(d) {
  $("status").textContent = d.status; $("status").className = `status-${d.status}`;
  $("objective").textContent = fmt(d.objective, 4); $("objective").dataset.value = d.objective ?? ""; $("selected").textContent = d.selected;
  $("objective-words").textContent = OBJECTIVE_WORDS[d.sense] || "";
  renderControls();
  const charts = window.plannerCharts;
  charts.draw($("chart-coverage"), { type: "hbar", title: "Share of each sector's gaps closed", x: "share closed", y: "",
    labels: d.sectors.map((s) => s.name), series: [{ label: "closed", values: d.sectors.map((s) => s.fraction) }],
    alt: d.sectors.map((s) => `${s.name}: ${fmt(100 * s.fraction, 1)}%`).join("; ") });
  const res = Object.entries(d.resources);
  charts.draw($("chart-resources"), { type: "hbar", title: "Share of each limit used", x: "share of the limit", y: "",
    labels: res.map(([r, u]) => `${words(r)}: ${fmt(u.used, 1)} of ${u.limit === null ? "no limit" : fmt(u.limit, 1)}`),
    series: [{ label: "used", values: res.map(([, u]) => (u.limit ? u.used / u.limit : null)),
               colors: res.map(([, u]) => (u.limit !== null && u.used > u.limit - 1e-9 ? "#b42318" : "#0b5cad")) }],
    alt: res.map(([r, u]) => `${words(r)}: ${fmt(u.used, 1)} of ${u.limit === null ? "no limit" : fmt(u.limit, 1)}`).join("; ") });
  const cost = d.cost_resource;
  const count = (key, names) => {
    const m = {}; for (const p of d.portfolio) m[p[key]] = (m[p[key]] || 0) + 1;
    return Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, n]) => ({ cells: [names[k] || k, n] }));
  };
  table("by-sector", ["Sector", "Options"], count("sector_id", d.sector_names));
  table("by-partner", ["Partner", "Options"], count("partner_id", d.partners));
  const btn = (text, label, fn) => el("button", { type: "button", "aria-label": label, text, onclick: fn });
  table("portfolio", ["Option", "Partner", "Sector", `Cost: ${words(cost)}`, "Benefit (objective lost without it)", "Gaps served", ""],
    d.portfolio.map((p) => ({
      attrs: { "data-option": p.option_id },
      cells: [el("span", {}, p.name, el("br"), el("small", { class: "muted", text: p.option_id })), p.partner_name, p.sector_name,
        p[cost], p.benefit, p.gaps,
        el("span", { class: "row-actions" }, btn("Why?", `Explain ${p.option_id}`, () => explain(p.option_id)), " ",
          btn("Lock out", `Lock ${p.option_id} out`, () => lock(p.option_id, "lock_out")),
          state.lock_in.includes(p.option_id) ? " (locked in)" : p.forced_by ? ` (forced by ${p.forced_by})` : "")] })));
  table("others", ["Option", "Partner", "Sector", ""], d.options.filter((o) => !o.selected).map((o) => ({
    attrs: { "data-option": o.option_id },
    cells: [el("span", {}, o.name, el("br"), el("small", { class: "muted", text: o.option_id })),
      d.partners[o.partner_id] || o.partner_id, d.sector_names[o.sector_id] || o.sector_id,
      el("span", { class: "row-actions" }, btn("Why not?", `Explain ${o.option_id}`, () => explain(o.option_id)), " ",
        btn("Lock in", `Lock ${o.option_id} in`, () => lock(o.option_id, "lock_in")),
        state.lock_out.includes(o.option_id) ? " (locked out)" : "")] })));
  const sectors = Object.keys(d.sector_names), partners = Object.keys(d.matrix);
  table("matrix", ["Partner", ...sectors.map((s) => d.sector_names[s])],
    partners.map((p) => ({ cells: [d.partners[p] || p, ...sectors.map((s) => d.matrix[p][s] || "")] })));
  renderDiff(d);
  renderReplan(d);
}

// A portfolio found by a job (a Pareto point) as the what-if: its options locked in, every other locked out.
window.plannerLoadPortfolio = (ids) => {
  const others = base ? base.options.map((o) => o.option_id).filter((o) => !ids.includes(o)) : [];
  state.lock_in = [...ids]; state.lock_out = others.length <= 200 ? others : [];  // a what-if holds 200 locks a list
  $("tab-result").click();
  solve();
};

function lock(o, list) {
  const other = list === "lock_in" ? "lock_out" : "lock_in";
  state[other] = state[other].filter((x) => x !== o);
  if (!state[list].includes(o)) state[list] = [...state[list], o];
  solve();
}

function renderDiff(d) {
  const box = $("diff");
  if (!pinned) { box.hidden = true; return; }
  box.hidden = false; box.textContent = "";
  const was = new Set(pinned.selected_ids), now = new Set(d.selected_ids);
  const into = [...now].filter((o) => !was.has(o)), out = [...was].filter((o) => !now.has(o));
  const dz = d.objective !== null && pinned.objective !== null ? d.objective - pinned.objective : null;
  box.append(el("h3", { text: `Compared with the pinned result (objective ${fmt(pinned.objective, 4)})` }),
    el("p", { text: `Objective change: ${dz === null ? "–" : (dz >= 0 ? "+" : "") + fmt(dz, 4)}` }),
    el("p", { class: "in", text: `In: ${into.map(optionName).join(", ") || "none"}` }),
    el("p", { class: "out", text: `Out: ${out.map(optionName).join(", ") || "none"}` }));
  const ps = Object.fromEntries(pinned.sectors.map((s) => [s.sector_id, s.fraction]));
  box.append(el("p", { text: "Coverage change: " + d.sectors.map((s) => `${s.name} ${((s.fraction - (ps[s.sector_id] || 0)) * 100).toFixed(1)} pts`).join("; ") }));
}

function renderReplan(d) {
  const box = $("replan-result");
  if (!d.replan) { box.hidden = true; return; }
  box.hidden = false; box.textContent = "";
  const r = d.replan, c = d.changes || {}, clean = r.clean_sheet || {};
  box.append(el("h3", { text: `Re-plan from ${r.incumbent_from || "the pinned result"} (${r.incumbent} options)` }),
    el("p", { text: `Kept ${c.kept ?? "–"}, dropped ${c.dropped ?? "–"}, added ${c.added ?? "–"} (${c.total ?? "–"} changes` +
      `${r.max_changes !== null ? `, at most ${r.max_changes}` : ""}).` }),
    el("p", { class: "price", text: `Price of stability: ${fmt(clean.price_of_stability, 4)} objective ` +
      `(a clean-sheet plan reaches ${fmt(clean.objective, 4)} with ${clean.changes ? clean.changes.total : "–"} changes).` }));
  if (d.changes_table) {
    const rows = d.changes_table.filter((x) => x.change !== "kept");
    box.append(table(el("table", { "aria-label": "Changes against the incumbent" }), ["Option", "Change"],
      rows.map((x) => ({ attrs: { class: x.change }, cells: [x.name, x.change] }))));
  }
}

// ---- explanations: always for the what-if on screen
function markExplainStale() {
  if (!explained) return;
  const box = $("explain");
  box.textContent = ""; box.append(el("p", { class: "muted", text: `The what-if changed: updating the explanation of ${optionName(explained)}…` }));
}
function refreshExplain() {
  if (!explained) return;
  if (!last || !(last.portfolio.length || last.status === "optimal")) {  // infeasible: nothing to explain
    closeExplain(`The explanation of ${optionName(explained)} was closed: this what-if has no plan to explain.`);
    return;
  }
  explain(explained);
}
function closeExplain(message) {
  explained = null;
  const box = $("explain");
  box.textContent = "";
  if (message) box.append(el("p", { class: "muted", text: message })); else box.hidden = true;
}

async function explain(o) {
  explained = o;
  const key = whatifKey();
  const box = $("explain"); box.hidden = false; box.textContent = `Explaining ${optionName(o)}…`;
  const r = await api("POST", "/api/explain", { whatif: whatif(), options: [o] });
  if (explained !== o || key !== whatifKey()) return;  // a later what-if or option: its own request answers
  box.textContent = "";
  const selected = last && last.selected_ids.includes(o);
  box.dataset.whatif = key;
  box.append(el("h3", { text: `Why is ${optionName(o)} ${selected ? "in" : "out"}?` }),
    el("p", { class: "muted belongs", text: `For the what-if: ${whatifLabel()}` }));
  if (!r.ok) { box.append(el("p", { text: (r.data.problems || [r.data]).map((p) => p.message).join("; ") })); }
  else {
    const ul = el("ul"); for (const line of r.data.text[0]) ul.append(el("li", { text: line }));
    box.append(ul);
    const e = r.data.explanations[0];
    if (!selected && e && e.flipped_status !== "optimal") {
      box.append(el("p", { class: "warn", text: `Nothing in this what-if brings ${optionName(o)} in: requiring it has no plan (${e.flipped_status}).` }));
    }
  }
  box.append(el("div", { class: "row-actions" },
    el("button", { type: "button", text: selected ? "Lock it out" : "Lock it in", onclick: () => lock(o, selected ? "lock_out" : "lock_in") }), " ",
    el("button", { type: "button", text: "Close", onclick: () => closeExplain(null) })));
  box.focus();
}

async function diagnose() {
  const key = whatifKey();
  const box = $("diagnosis"); box.hidden = false; box.textContent = "Infeasible: diagnosing…";
  const r = await api("POST", "/api/diagnose", { whatif: whatif() });
  if (key !== whatifKey()) return;
  box.textContent = "";
  box.append(el("h3", { text: "This what-if has no feasible plan" }), el("p", { class: "muted", text: `For the what-if: ${whatifLabel()}` }));
  if (!r.ok) { box.append(el("p", { text: "no diagnosis" })); return; }
  const apply = (fixes) => { for (const f of fixes) { const i = f.override.indexOf("="); state.edits[f.override.slice(0, i)] = f.override.slice(i + 1); } solve(); };
  const words = (f) => f.text.charAt(0).toUpperCase() + f.text.slice(1);
  const fixable = (f) => !!f.override;
  const manual = (f) => f.edit ? ` (not a what-if edit: change ${f.edit.column} of ${f.edit.gap_id || "the row"} in the ${f.edit.file.split("/").pop()} table to ${fmt(f.edit.value)})` : "";
  const alone = r.data.alternatives.filter(fixable);
  if (alone.length) {
    box.append(el("p", { text: "Any one of these makes it feasible:" }));
    for (const f of alone) box.append(el("button", { type: "button", class: "fix", text: words(f), onclick: () => apply([f]) }), " ");
  }
  const together = r.data.combined;
  if (together.length) {
    box.append(el("p", { text: `The smallest change overall${together.length > 1 ? ", together" : ""}: ` +
      together.map((f) => words(f) + manual(f)).join("; ") + "." }));
    const can = together.filter(fixable);
    if (can.length > 1 || (can.length === 1 && together.length === 1)) {
      box.append(el("button", { type: "button", class: "fix together", text: can.length === together.length ? "Apply together" :
        `Apply the ${can.length} the page can (the rest need a table edit)`, onclick: () => apply(can) }));
    }
  }
  if (r.data.iis && r.data.iis.rows) {
    box.append(el("details", {}, el("summary", { text: "Conflicting rows (for a modeller)" }), el("p", { text: r.data.iis.rows.join(", ") })));
  }
}

// JOBS are in jobs.js

// ---- header actions
$("sense").addEventListener("change", () => setEdit("objective.sense", $("sense").value, base.settings.sense));
$("risk").addEventListener("change", () => setEdit("objective.risk_penalty", $("risk").value, base.settings.risk_penalty));
$("pin").addEventListener("click", () => { pinned = last; $("unpin").hidden = false; renderDiff(last); });
$("unpin").addEventListener("click", () => { pinned = null; $("unpin").hidden = true; renderDiff(last); if (state.replan.from === "pinned") solve(); });
$("reset").addEventListener("click", () => {
  state = { ...state, edits: {}, lock_in: [], lock_out: [], rules_off: [], replan: { ...state.replan, from: "" } };
  $("replan-from").value = ""; solve();
});
$("replan-from").addEventListener("change", () => {
  state.replan.from = $("replan-from").value;
  $("replan-folder-row").hidden = state.replan.from !== "folder";
  if (state.replan.from === "pinned" && !pinned) { pinned = last; $("unpin").hidden = false; }
  solve();
});
for (const k of ["folder", "max_changes", "max_dropped", "max_added"]) {
  const input = $(k === "folder" ? "replan-folder" : `replan-${k}`);
  input.addEventListener("change", () => { state.replan[k] = input.value; if (state.replan.from) solve(); });
}
for (const fmtName of ["xlsx", "html"]) {
  $(`dl-${fmtName}`).addEventListener("click", async () => {
    const r = await api("POST", `/api/report/${fmtName}`, whatif(), true);
    if (!r.ok) { showProblems(r.data); return; }
    const a = el("a", { href: URL.createObjectURL(r.blob), download: `${last.scenario}-whatif.${fmtName}` });
    document.body.append(a); a.click(); a.remove();
  });
}
$("save").addEventListener("click", async () => {
  const r = await api("POST", "/api/save", { whatif: whatif(), name: $("save-name").value, replace: $("save-replace").checked });
  $("save-result").textContent = r.ok ? `Saved ${r.data.saved}: ${r.data.command}` :
    (r.data.problems || [r.data]).map((p) => p.message).join("; ");
});
$("scenario").addEventListener("change", () => {
  state = { ...state, scenario: $("scenario").value, edits: {}, lock_in: [], lock_out: [], rules_off: [] };
  base = null; lastGood = null; pinned = null; closeExplain(null); solve();
});

(async function start() {
  const r = await api("GET", "/api/scenarios");
  if (!r.ok) { showProblems(r.data); return; }
  for (const s of r.data.scenarios) $("scenario").append(el("option", { value: s, text: s, selected: s === r.data.default }));
  state.scenario = r.data.default;
  await solve();
  if (window.plannerJobs) window.plannerJobs.start();
})();
