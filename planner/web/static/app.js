"use strict";
// The workbench page: every change re-solves through the JSON API (no network beyond this app).
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

let state = { scenario: "", edits: {}, lock_in: [], lock_out: [], rules_off: [] };
let base = null, last = null, pinned = null, seq = 0;
window.planner = { solves: 0, latencies: [], last: null, busy: false };

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

function whatif() {
  return { scenario: state.scenario, set: Object.entries(state.edits).map(([k, v]) => `${k}=${v}`),
           lock_in: state.lock_in, lock_out: state.lock_out, rules_off: state.rules_off };
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
  const my = ++seq, t0 = performance.now();
  window.planner.busy = true;
  const r = await api("POST", "/api/solve", whatif());
  if (my !== seq) return;
  window.planner.busy = false;
  const ms = performance.now() - t0;
  if (!r.ok) { showProblems(r.data); window.planner.last = { error: r.data, ms }; if (base) renderControls(); return; }
  showProblems(null);
  last = r.data;
  if (!base) base = r.data;
  render(r.data);
  window.planner.solves++; window.planner.latencies.push(ms);
  window.planner.last = { objective: r.data.objective, status: r.data.status, ms };
  $("latency").textContent = `${Math.round(ms)} ms (${r.data.resolve_path})`;
  if (r.data.status === "infeasible") diagnose(); else $("diagnosis").hidden = true;
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

function renderControls() {
  const s = base.settings;
  const cur = (k, v) => (k in state.edits ? state.edits[k] : v);
  $("sense").value = cur("objective.sense", s.sense);
  $("risk").value = cur("objective.risk_penalty", s.risk_penalty);
  const limits = $("limits"); limits.textContent = "";
  for (const [r, v] of Object.entries(s.limits)) {
    const row = numberInput(`limits.${r}`, v, r);
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
    const row = numberInput(k, v, g.gap_id); row.querySelector("input").value = cur(k, v); gw.append(row);
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
      locks.append(el("li", {}, `${o} locked ${word} `, el("button", { type: "button", "aria-label": `Unlock ${o}`, text: "unlock",
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

function bars(rows, max) {  // rows: [{label, value, limit?, text}] → an SVG bar chart
  const w = 420, h = 20 * rows.length + 10, lw = 150, ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`); svg.setAttribute("width", w); svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", rows.map((r) => `${r.label}: ${r.text}`).join("; "));
  rows.forEach((r, i) => {
    const y = 5 + i * 20, bw = Math.max(0, Math.min(1, (r.value || 0) / (max || 1))) * (w - lw - 110);
    const t = document.createElementNS(ns, "text"); t.setAttribute("x", 0); t.setAttribute("y", y + 13); t.textContent = r.label.slice(0, 24);
    const b = document.createElementNS(ns, "rect"); b.setAttribute("x", lw); b.setAttribute("y", y + 3); b.setAttribute("height", 12);
    b.setAttribute("width", bw); b.setAttribute("fill", r.over ? "#b42318" : "#0b5cad");
    const v = document.createElementNS(ns, "text"); v.setAttribute("x", lw + bw + 4); v.setAttribute("y", y + 13); v.textContent = r.text;
    svg.append(t, b, v);
    if (r.limit) {
      const lx = lw + (w - lw - 110) * Math.min(1, r.limit / (max || 1));
      const l = document.createElementNS(ns, "line"); l.setAttribute("x1", lx); l.setAttribute("x2", lx);
      l.setAttribute("y1", y); l.setAttribute("y2", y + 18); l.setAttribute("stroke", "#1b1f24"); svg.append(l);
    }
  });
  return svg;
}

function table(id, head, rows) {
  const t = $(id) || id; t.textContent = "";
  t.append(el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))));
  const body = el("tbody");
  for (const r of rows) body.append(el("tr", r.attrs || {}, ...r.cells.map((c) => c instanceof Node ? el("td", {}, c) :
    el("td", { class: typeof c === "number" ? "num" : null, text: fmt(c) }))));
  t.append(body);
  return t;
}

function render(d) {
  $("status").textContent = d.status; $("status").className = `status-${d.status}`;
  $("objective").textContent = fmt(d.objective, 4); $("objective").dataset.value = d.objective ?? ""; $("selected").textContent = d.selected;
  renderControls();
  const cov = $("chart-coverage"); cov.textContent = "";
  cov.append(bars(d.sectors.map((s) => ({ label: s.name, value: s.fraction, text: `${fmt(100 * s.fraction, 1)}%` })), 1));
  const res = $("chart-resources"); res.textContent = "";
  const rr = Object.entries(d.resources).map(([r, u]) => ({ label: r, value: u.used, limit: u.limit,
    over: u.limit !== null && u.used > u.limit + 1e-9, text: `${fmt(u.used, 1)} / ${u.limit === null ? "no limit" : fmt(u.limit, 1)}` }));
  res.append(bars(rr.map((x) => ({ ...x, value: x.value / (x.limit || x.value || 1), limit: x.limit ? 1 : null })), 1));
  const cost = Object.keys(d.resources)[0];
  const count = (key, names) => {
    const m = {}; for (const p of d.portfolio) m[p[key]] = (m[p[key]] || 0) + 1;
    return Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, n]) => ({ cells: [names[k] || k, n] }));
  };
  table("by-sector", ["Sector", "Options"], count("sector_id", d.sector_names));
  table("by-partner", ["Partner", "Options"], count("partner_id", d.partners));
  const btn = (text, label, fn) => el("button", { type: "button", "aria-label": label, text, onclick: fn });
  table("portfolio", ["Option", "Name", "Partner", "Sector", cost, "Forced by", ""], d.portfolio.map((p) => ({
    attrs: { "data-option": p.option_id },
    cells: [p.option_id, p.name, p.partner_name, p.sector_name, p[cost], p.forced_by || "",
      el("span", {}, btn("Why?", `Explain ${p.option_id}`, () => explain(p.option_id)), " ",
        btn("Lock out", `Lock ${p.option_id} out`, () => lock(p.option_id, "lock_out")),
        state.lock_in.includes(p.option_id) ? " (locked in)" : "")] })));
  table("others", ["Option", "Name", "Partner", "Sector", ""], d.options.filter((o) => !o.selected).map((o) => ({
    attrs: { "data-option": o.option_id },
    cells: [o.option_id, o.name, d.partners[o.partner_id] || o.partner_id, d.sector_names[o.sector_id] || o.sector_id,
      el("span", {}, btn("Why not?", `Explain ${o.option_id}`, () => explain(o.option_id)), " ",
        btn("Lock in", `Lock ${o.option_id} in`, () => lock(o.option_id, "lock_in")),
        state.lock_out.includes(o.option_id) ? " (locked out)" : "")] })));
  const sectors = Object.keys(d.sector_names), partners = Object.keys(d.matrix);
  table("matrix", ["Partner", ...sectors.map((s) => d.sector_names[s])],
    partners.map((p) => ({ cells: [d.partners[p] || p, ...sectors.map((s) => d.matrix[p][s] || "")] })));
  renderDiff(d);
}

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
    el("p", { class: "in", text: `In: ${into.join(", ") || "none"}` }), el("p", { class: "out", text: `Out: ${out.join(", ") || "none"}` }));
  const ps = Object.fromEntries(pinned.sectors.map((s) => [s.sector_id, s.fraction]));
  box.append(el("p", { text: "Coverage change: " + d.sectors.map((s) => `${s.name} ${((s.fraction - (ps[s.sector_id] || 0)) * 100).toFixed(1)} pts`).join("; ") }));
}

async function explain(o) {
  const box = $("explain"); box.hidden = false; box.textContent = `Explaining ${o}…`;
  const r = await api("POST", "/api/explain", { whatif: whatif(), options: [o] });
  box.textContent = "";
  box.append(el("h3", { text: `Why is ${o} ${last && last.selected_ids.includes(o) ? "in" : "out"}?` }),
    el("button", { type: "button", text: "Close", onclick: () => { box.hidden = true; } }));
  if (!r.ok) { box.append(el("p", { text: (r.data.problems || [r.data]).map((p) => p.message).join("; ") })); return; }
  const ul = el("ul"); for (const line of r.data.text[0]) ul.append(el("li", { text: line }));
  box.append(ul); box.focus();
}

async function diagnose() {
  const box = $("diagnosis"); box.hidden = false; box.textContent = "Infeasible: diagnosing…";
  const r = await api("POST", "/api/diagnose", { whatif: whatif() });
  box.textContent = "";
  box.append(el("h3", { text: "This what-if is infeasible" }));
  if (!r.ok) { box.append(el("p", { text: "no diagnosis" })); return; }
  const ul = el("ul"); for (const line of r.data.text) ul.append(el("li", { text: line })); box.append(ul);
  const apply = (overrides) => { for (const o of overrides) { const i = o.indexOf("="); state.edits[o.slice(0, i)] = o.slice(i + 1); } solve(); };
  const combined = r.data.combined.map((x) => x.override);
  if (combined.length > 1 && combined.every(Boolean)) {
    box.append(el("button", { type: "button", class: "fix", text: `Apply together: ${combined.join(", ")}`, onclick: () => apply(combined) }), " ");
  }
  const fixes = [...(r.data.combined.length > 1 ? [] : r.data.combined), ...r.data.alternatives].filter((x) => x.override);
  const seen = new Set();
  for (const f of fixes) {
    if (seen.has(f.override)) continue; seen.add(f.override);
    box.append(el("button", { type: "button", class: "fix", text: `Apply: ${f.override}`, onclick: () => apply([f.override]) }), " ");
  }
}

// ---- jobs
let job = null;
async function runJob(form) {
  const kind = form.dataset.kind, v = (n) => form.elements[n] && form.elements[n].value;
  const num = (n) => (v(n) === "" || v(n) === undefined ? null : Number(v(n)));
  const body = { kind, whatif: whatif() };
  if (kind === "frontier") Object.assign(body, { resource: v("resource") || null, lo: num("lo"), hi: num("hi"), max_solves: num("max_solves") });
  if (kind === "sweep") body.vary = [{ key: v("key"), values: v("values").split(",").map((x) => x.trim()).filter(Boolean).map((x) => (isNaN(+x) ? x : +x)) }];
  if (kind === "montecarlo") Object.assign(body, { samples: num("samples"), seed: num("seed"),
    perturb: [{ table: "contributions", column: "amount", low: num("low"), high: num("high") }] });
  if (kind === "alternatives") Object.assign(body, { within: num("within"), count: num("count") });
  const box = $("job"); form.after(box); box.hidden = false; $("job-result").textContent = "";
  const r = await api("POST", "/api/jobs", body);
  if (!r.ok) { $("job-state").textContent = (r.data.problems || [r.data]).map((p) => p.message).join("; "); return; }
  job = r.data.id; poll(job);
}
async function poll(id) {
  const r = await api("GET", `/api/jobs/${id}`);
  if (!r.ok || id !== job) return;
  const j = r.data, p = $("job-progress");
  p.max = j.total || 1; p.value = j.done;
  $("job-state").textContent = `${j.kind}: ${j.state}, ${j.done}/${j.total ?? "?"} points, ${fmt(j.seconds, 1)} s`;
  if (j.state === "running") { setTimeout(() => poll(id), 300); return; }
  if (j.error) $("job-state").textContent += ` (${j.error.message || j.error.problems.map((x) => x.message).join("; ")})`;
  if (j.result) renderJob(j);
}
function renderJob(j) {
  const out = $("job-result"); out.textContent = "";
  const t = j.result.tables;
  if (j.kind === "frontier") {
    const rows = t["frontier.csv"].filter((r) => r.objective !== null);
    const max = Math.max(...rows.map((r) => r.objective), 1);
    out.append(el("h3", { text: "Objective by limit" }),
      bars(rows.map((r) => ({ label: `${fmt(r.limit_from, 0)}–${fmt(r.limit_to, 0)}`, value: r.objective, text: fmt(r.objective, 3) })), max));
  }
  const show = { frontier: ["ladder.csv"], sweep: ["sweep.csv", "changes.csv"], montecarlo: ["montecarlo_options.csv", "montecarlo_coverage.csv"],
    alternatives: ["alternatives.csv", "alternatives_matrix.csv"] }[j.kind];
  for (const name of show) {
    const rows = (t[name] || []).slice(0, 200);
    if (!rows.length) continue;
    const cols = Object.keys(rows[0]).filter((c) => c !== "portfolio");
    out.append(el("h3", { text: name }));
    out.append(table(el("table", { "aria-label": name }), cols, rows.map((r) => ({ attrs: { class: r.label || null }, cells: cols.map((c) => r[c]) }))));
  }
}
$("job-cancel").addEventListener("click", async () => { if (job) await api("DELETE", `/api/jobs/${job}`); });
document.querySelectorAll("form.job").forEach((f) => f.addEventListener("submit", (e) => { e.preventDefault(); runJob(f); }));

// ---- tabs (arrow keys move between them)
const tabs = [...document.querySelectorAll("[role=tab]")];
function selectTab(tab) {
  for (const t of tabs) {
    const on = t === tab; t.setAttribute("aria-selected", on); t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
}
tabs.forEach((t, i) => {
  t.addEventListener("click", () => selectTab(t));
  t.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight") selectTab(tabs[(i + 1) % tabs.length]);
    if (e.key === "ArrowLeft") selectTab(tabs[(i + tabs.length - 1) % tabs.length]);
  });
});

// ---- header actions
$("sense").addEventListener("change", () => setEdit("objective.sense", $("sense").value, base.settings.sense));
$("risk").addEventListener("change", () => setEdit("objective.risk_penalty", $("risk").value, base.settings.risk_penalty));
$("pin").addEventListener("click", () => { pinned = last; $("unpin").hidden = false; renderDiff(last); });
$("unpin").addEventListener("click", () => { pinned = null; $("unpin").hidden = true; renderDiff(last); });
$("reset").addEventListener("click", () => { state = { ...state, edits: {}, lock_in: [], lock_out: [], rules_off: [] }; solve(); });
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
  state = { scenario: $("scenario").value, edits: {}, lock_in: [], lock_out: [], rules_off: [] };
  base = null; pinned = null; solve();
});

(async function start() {
  const r = await api("GET", "/api/scenarios");
  if (!r.ok) { showProblems(r.data); return; }
  for (const s of r.data.scenarios) $("scenario").append(el("option", { value: s, text: s, selected: s === r.data.default }));
  state.scenario = r.data.default;
  solve();
})();
