"use strict";
// Job tabs, one per kind the API's schema lists (GET /api/jobs/schema): the form, the run, its
// progress and its result, drawn from the blocks the server sends (job_views.py). A result
// says which what-if it was computed for; when the what-if changes it is marked as belonging to
// an earlier one. A job that fails or is cancelled leaves the last good result on screen with
// the error beside it. States are the server's JobState values, shown as words.
window.plannerJobs = (function () {
  const STATE_WORDS = { running: "running", done: "done", partial: "partial result", failed: "failed", cancelled: "cancelled" };
  const panels = {};  // kind → {panel, form, job, key}

  function start() {
    api("GET", "/api/jobs/schema").then((r) => {
      if (!r.ok) return;
      for (const k of r.data.kinds) addKind(k);
      setupTabs();
      window.planner.jobsReady = true;
    });
  }

  function addKind(k) {
    const tab = el("button", { role: "tab", id: `tab-${k.kind}`, "aria-controls": `view-${k.kind}`, "aria-selected": "false", tabindex: "-1", text: k.title });
    $("tabs").append(tab);
    const panel = $("job-panel").content.firstElementChild.cloneNode(true);
    panel.id = `view-${k.kind}`; panel.setAttribute("aria-labelledby", tab.id);
    panel.querySelector(".job-about").textContent = k.description;
    const form = panel.querySelector("form"); form.dataset.kind = k.kind;
    form.setAttribute("aria-label", `${k.title} settings`);
    const ctx = { resources: () => Object.keys((last || base || { resources: {} }).resources) };
    window.plannerForms.build(form.querySelector(".fields"), k.schema, ctx);
    form.querySelector("button[type=submit]").textContent = k.schema["x-run"] || `Run ${k.title}`;
    form.addEventListener("submit", (e) => { e.preventDefault(); run(k, form); });
    panel.querySelector(".job-cancel").addEventListener("click", async () => {
      const p = panels[k.kind]; if (p.job) await api("DELETE", `/api/jobs/${p.job}`);
    });
    $("view-result").parentNode.insertBefore(panel, $("job-panel"));
    panels[k.kind] = { kind: k.kind, panel, form, job: null, key: null, label: null, schema: k.schema };
  }

  async function run(k, form) {
    const p = panels[k.kind], q = (s) => p.panel.querySelector(s);
    const body = { kind: k.kind, whatif: whatif(), ...window.plannerForms.values(form.querySelector(".fields"), k.schema) };
    q(".job-error").hidden = true;
    q(".job-state").textContent = "starting…";
    const r = await api("POST", "/api/jobs", body);
    if (!r.ok) { fail(p, (r.data.problems || [r.data]).map(problemText).join("; ")); q(".job-state").textContent = "not started"; return; }
    p.job = r.data.id; p.pendingKey = whatifKey(); p.pendingLabel = whatifLabel();
    p.panel.dataset.state = "running";
    q(".job-cancel").hidden = false;
    poll(p, r.data.id);
  }
  const problemText = (x) => `${x.key ? x.key + ": " : ""}${x.message}${x.value ? ` (got ${x.value})` : ""}`;

  function fail(p, message) {
    const box = p.panel.querySelector(".job-error");
    box.hidden = false; box.textContent = "";
    box.append(el("strong", { text: "This run gave no result" + (p.key ? "; the last good result stays below." : ".") }), " ", message);
  }

  async function poll(p, id) {
    const r = await api("GET", `/api/jobs/${id}`);
    if (!r.ok || id !== p.job) return;
    const j = r.data, q = (s) => p.panel.querySelector(s), bar = q("progress");
    bar.max = j.total || Math.max(j.done, 1); bar.value = j.done;
    q(".job-state").textContent = `${STATE_WORDS[j.state]}: ${j.done ? `${j.done}${j.total ? "/" + j.total : ""} solves, ` : ""}${fmt(j.seconds, 1)} s`;
    p.panel.dataset.state = j.state;
    if (j.state === "running") { setTimeout(() => poll(p, id), 300); return; }
    q(".job-cancel").hidden = true;
    (window.planner.jobs = window.planner.jobs || {})[p.kind] = j;  // for scripts and tests
    if (j.error) fail(p, j.error.message || j.error.problems.map(problemText).join("; "));
    if (j.result) {
      p.key = p.pendingKey; p.label = p.pendingLabel;
      renderResult(p, j);
    }
  }

  function renderResult(p, j) {
    const out = p.panel.querySelector(".job-result"); out.textContent = "";
    out.dataset.state = j.state;
    out.append(el("p", { class: "belongs", text: `For the what-if: ${p.label}` }), el("p", { class: "stale", hidden: true }));
    if (j.state === "partial") out.append(el("p", { class: "partial", role: "note", text: `Partial result: ${j.partial}.` }));
    for (const block of j.result.view) out.append(renderBlock(block));
    whatifChanged(whatifKey());
  }

  function renderBlock(b) {
    if (b.type === "note") return el("p", { class: `note ${b.tone}`, text: b.text });
    if (b.type === "facts") return el("dl", { class: "facts" }, ...b.items.flatMap((i) => [el("dt", { text: i.label }), el("dd", { text: fmt(i.value, 4) })]));
    if (b.type === "chart") { const box = el("figure", { class: "chart" }); setTimeout(() => window.plannerCharts.draw(box, b.chart)); return box; }
    if (b.type === "table") {
      const wrap = el("div", { class: "table-wrap" }, el("h3", { text: b.title }));
      const rows = b.rows.slice(0, 300);
      const t = el("table", { "aria-label": b.title, "data-title": b.title });
      t.append(el("thead", {}, el("tr", {}, ...b.columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : null, text: c.label })))));
      const body = el("tbody");
      for (const r of rows) {
        body.append(el("tr", { class: b.row_class ? r[b.row_class] : null }, ...b.columns.map((c) =>
          c.list ? el("td", { class: "list" }, chips(r[c.key] || [])) :
          c.load ? el("td", {}, el("button", { type: "button", class: "load", text: "Load as what-if",
            "aria-label": `Load this portfolio (${(r[c.key] || []).length} options) as the what-if`,
            onclick: () => window.plannerLoadPortfolio(r[c.key] || []) })) :
            el("td", { class: c.num ? "num" : null, "data-key": c.key, "data-value": r[c.key] ?? "", text: fmt(r[c.key], 4) }))));
      }
      t.append(body); wrap.append(t);
      if (b.rows.length > rows.length) wrap.append(el("p", { class: "muted", text: `First ${rows.length} of ${b.rows.length} rows; the reports hold all.` }));
      return wrap;
    }
    return el("pre", { text: JSON.stringify(b) });
  }

  function whatifChanged(key) {  // mark results computed for another what-if
    for (const p of Object.values(panels)) {
      const stale = p.panel.querySelector(".job-result .stale");
      if (!stale || !p.key) continue;
      stale.hidden = p.key === key;
      stale.textContent = "This result is for an earlier what-if (above), not the one on screen now: run it again to update it.";
    }
  }

  function setupTabs() {  // arrow keys move between tabs; Tab enters the panel
    const tabs = [...document.querySelectorAll("[role=tab]")];
    const select = (tab) => {
      for (const t of tabs) {
        const on = t === tab; t.setAttribute("aria-selected", on); t.tabIndex = on ? 0 : -1;
        $(t.getAttribute("aria-controls")).hidden = !on;
      }
      tab.focus();
    };
    tabs.forEach((t, i) => {
      t.addEventListener("click", () => select(t));
      t.addEventListener("keydown", (e) => {
        if (e.key === "ArrowRight") select(tabs[(i + 1) % tabs.length]);
        if (e.key === "ArrowLeft") select(tabs[(i + tabs.length - 1) % tabs.length]);
        if (e.key === "Home") select(tabs[0]);
        if (e.key === "End") select(tabs[tabs.length - 1]);
      });
    });
  }
  return { start, whatifChanged };
})();
