"use strict";
// Charts from a plain spec (planner/web/job_views.py documents it), drawn with the vendored
// Chart.js (static/vendor: no network, no eval, no inline style). Every chart gets a text
// alternative (aria-label and a "chart as text" list) so nothing is only in pixels.
window.plannerCharts = (function () {
  const PALETTE = ["#0b5cad", "#bf8700", "#8250df", "#1a7f37", "#b42318", "#57606a"];
  const live = new Map();  // container → Chart, destroyed when redrawn
  const nf = (v, d = 4) => v === null || v === undefined ? "–" : Number(v).toLocaleString("en", { maximumFractionDigits: d });

  // Vertical marks ("this what-if: 4,800") drawn over the plot; a plugin object, no eval.
  const marks = {
    id: "plannerMarks",
    afterDatasetsDraw(chart, args, opts) {
      const items = (opts && opts.items) || [];
      const { ctx, chartArea: a, scales } = chart;
      for (const m of items) {
        const x = scales.x.getPixelForValue(m.x);
        if (!(x >= a.left && x <= a.right)) continue;
        ctx.save();
        ctx.strokeStyle = "#b42318"; ctx.setLineDash([5, 4]); ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.moveTo(x, a.top); ctx.lineTo(x, a.bottom); ctx.stroke();
        ctx.setLineDash([]); ctx.fillStyle = "#b42318"; ctx.font = "12px system-ui, sans-serif";
        const w = ctx.measureText(m.label).width;
        ctx.fillText(m.label, Math.min(x + 4, a.right - w), a.top + 12);
        ctx.restore();
      }
    },
  };

  function config(spec) {
    const axisTitle = (text) => ({ display: !!text, text });
    const base = {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: spec.series.length > 1 }, plannerMarks: { items: spec.marks || [] },
                 tooltip: { callbacks: {} } },
    };
    const t = spec.type;
    if (t === "step" || t === "line") {
      return { type: "scatter", data: { datasets: spec.series.map((s, i) => ({
        label: s.label, data: s.points.map(([x, y]) => ({ x, y })), showLine: true, stepped: t === "step" ? "after" : false,
        borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], pointRadius: t === "step" ? 2 : 3,
      })) }, options: { ...base, scales: { x: { type: "linear", title: axisTitle(spec.x) }, y: { title: axisTitle(spec.y) } } }, plugins: [marks] };
    }
    const horizontal = t === "hbar";
    const datasets = spec.series.map((s, i) => ({
      label: s.label, data: s.values, type: s.line ? "line" : "bar",
      backgroundColor: s.colors || PALETTE[i % PALETTE.length], borderColor: s.colors || PALETTE[i % PALETTE.length],
      ...(t === "stacked" && !s.line ? { stack: "plan" } : {}),
    }));
    const stacked = t === "stacked";
    const valueAxis = { title: axisTitle(spec.y), stacked, beginAtZero: t !== "range" };
    const catAxis = { title: axisTitle(spec.x), stacked, ticks: { autoSkip: false } };
    return { type: "bar", data: { labels: spec.labels, datasets }, options: { ...base, indexAxis: horizontal ? "y" : "x",
      scales: horizontal ? { x: { ...valueAxis, title: axisTitle(spec.x) }, y: { ...catAxis, title: axisTitle(spec.y) } }
                         : { x: catAxis, y: valueAxis } }, plugins: [marks] };
  }

  function draw(container, spec) {
    if (live.has(container)) { live.get(container).destroy(); live.delete(container); }
    container.textContent = "";
    const rows = spec.labels ? spec.labels.length : Math.max(0, ...spec.series.map((s) => (s.points || s.values || []).length));
    const tall = spec.type === "hbar" ? Math.max(160, 22 * rows + 60) : 300;
    const box = document.createElement("div"); box.className = "chart-box"; box.dataset.height = String(tall);
    box.style.height = `${tall}px`;  // CSSOM, allowed by the CSP (no style attribute text)
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img"); canvas.setAttribute("aria-label", `${spec.title}: ${spec.alt}`);
    box.append(canvas);
    const title = document.createElement("h4"); title.textContent = spec.title;
    const text = document.createElement("details"); const sum = document.createElement("summary");
    sum.textContent = "Chart as text"; const p = document.createElement("p"); p.textContent = spec.alt; text.append(sum, p);
    container.append(title, box, text);
    if (!window.Chart) { p.hidden = false; text.open = true; return null; }
    const chart = new window.Chart(canvas, config(spec));
    live.set(container, chart);
    window.planner.charts = (window.planner.charts || 0) + 1;
    return chart;
  }
  return { draw, nf };
})();
