"""Charts for reports, drawn with matplotlib (Agg, imported only when a report is made).

Each function takes typed content and returns a `Chart` (PNG bytes plus a title and
alt text) or None when there is nothing to draw. Every chart has a title, labelled
axes and units. Colours are colour-blind safe (Okabe–Ito) and figures are sized to
read on a phone and print on A4.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

from planner.report.content import RunContent, Table
from planner.report.words import column_words

if TYPE_CHECKING:
    import pandas as pd

BLUE, ORANGE, GREEN, GREY, RED, SKY = "#0072B2", "#E69F00", "#009E73", "#BBBBBB", "#D55E00", "#56B4E9"
MAX_BARS = 30  # longer lists are cut to the top entries; the table beside the chart has them all


@dataclass(frozen=True)
class Chart:
    key: str  # file stem for the PNG, from a fixed vocabulary (never from data)
    title: str
    png: bytes
    alt: str


def _pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.titlesize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "planner",
            "figure.dpi": 100,
        }
    )
    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", pad_inches=0.15, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _height(n: int) -> float:
    return max(2.2, min(12.0, 0.9 + 0.32 * n))


def _short(text: str, width: int = 28) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def coverage_by_sector(content: RunContent) -> Chart | None:
    """Stacked bars per sector: gap size covered vs remaining (units of the gap tables)."""
    sec = content.sectors
    if not len(sec) or not content.has_portfolio:
        return None
    plt = _pyplot()
    labels = [_short(s) for s in sec["sector"]]
    covered, remaining = sec["covered"].astype(float).tolist(), sec["remaining"].astype(float).tolist()
    fig, ax = plt.subplots(figsize=(7.0, _height(len(sec))))
    y = list(range(len(sec)))[::-1]
    ax.barh(y, covered, color=BLUE, label="covered")
    ax.barh(y, remaining, left=covered, color=GREY, label="remaining")
    for yi, c, r, f in zip(y, covered, remaining, sec["fraction"].tolist()):
        ax.text(c + r, yi, f" {f:.0%}" if f is not None else "", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlabel("gap size (units of the gaps table)")
    ax.set_title("Coverage per sector: covered vs remaining")
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.55 / (0.78 * _height(len(sec)))), ncol=2, fontsize=8, frameon=False
    )
    ax.set_xlim(0, max((c + r for c, r in zip(covered, remaining)), default=1) * 1.12 or 1)
    alt = "; ".join(f"{s}: {f:.0%} covered" for s, f in zip(sec["sector"], sec["fraction"]) if f is not None)
    return Chart("coverage_by_sector", "Coverage per sector", _png(fig), alt)


def resource_use(content: RunContent) -> Chart | None:
    """Bars of each resource's use as a percentage of its limit, annotated with used / limit."""
    res = content.resources[content.resources["limit"].map(lambda v: v is not None and v > 0)]
    if not len(res) or not content.has_portfolio:
        return None
    plt = _pyplot()
    share = [100.0 * (u or 0) / lim for u, lim in zip(res["used"], res["limit"])]
    fig, ax = plt.subplots(figsize=(7.0, 1.0 + 0.45 * len(res)))
    y = list(range(len(res)))[::-1]
    ax.barh(y, share, height=0.55, color=[RED if s > 100 + 1e-9 else ORANGE if s >= 99.5 else BLUE for s in share])
    ax.axvline(100, color="black", lw=1, ls="--")
    for yi, s, u, lim in zip(y, share, res["used"], res["limit"]):
        ax.text(s, yi, f" {u:,.4g} / {lim:,.4g}", va="center", fontsize=8)
    ax.set_yticks(y, [_short(r) for r in res["resource"]])
    ax.set_xlabel("use, % of the scenario's limit (dashed line = limit)")
    ax.set_xlim(0, max(130.0, max(share) * 1.25))
    ax.set_title("Resource use vs limit")
    alt = "; ".join(f"{r}: {u:,.4g} of {lim:,.4g}" for r, u, lim in zip(res["resource"], res["used"], res["limit"]))
    return Chart("resource_use", "Resource use vs limit", _png(fig), alt)


def partner_sector_matrix(content: RunContent) -> Chart | None:
    """Heat map: number of selected options for each partner (rows) and sector (columns)."""
    m = content.matrix
    if not len(m) or not len(m.columns):
        return None
    plt = _pyplot()
    import numpy as np

    data = m.to_numpy(dtype=float)
    names = {}
    if "partner_name" in content.portfolio.columns:
        names = dict(zip(content.portfolio["partner_id"], content.portfolio["partner_name"]))
    rows = [names.get(p) or p for p in m.index]
    fig, ax = plt.subplots(figsize=(max(4.5, 1.0 + 0.8 * len(m.columns)), _height(len(m)) + 0.6))
    image = ax.imshow(data, cmap="Blues", vmin=0, vmax=max(1.0, float(data.max())), aspect="auto")
    for (i, j), v in np.ndenumerate(data):
        if v:
            ax.text(
                j,
                i,
                f"{int(v)}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > data.max() / 2 else "black",
            )
    ax.set_xticks(range(len(m.columns)), [_short(c, 18) for c in m.columns], rotation=35, ha="right")
    ax.set_yticks(range(len(m)), [_short(p, 18) for p in rows])
    ax.set_xlabel("sector")
    ax.set_ylabel("partner")
    ax.set_title("Selected options: partner × sector")
    top = int(max(1.0, float(data.max())))
    fig.colorbar(image, ax=ax, label="options selected", shrink=0.8, ticks=range(0, top + 1, max(1, top // 6)))
    ax.spines[:].set_visible(False)
    alt = "; ".join(
        f"{p}: " + ", ".join(f"{c} {int(v)}" for c, v in zip(m.columns, row) if v) for p, row in zip(rows, data)
    )
    return Chart("partner_sector_matrix", "Partner × sector matrix", _png(fig), alt)


# ---- extra tables (sensitivity and explain outputs) -------------------------------------------


def _numeric(frame: pd.DataFrame, col: str) -> bool:
    values = [v for v in frame[col].tolist() if v is not None]
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {str(c).lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return str(lower[name])
    return None


def frontier(table: Table, resource_hint: str | None = None) -> Chart | None:
    """Objective against the varied resource; each breakpoint labelled with its resource level."""
    f = table.frame
    ycol = _first(f, ("objective", "value"))
    if ycol is None or not len(f):
        return None
    xcol = _first(f, tuple(c for c in (resource_hint, "limit", "resource_limit", "level", "value_of_resource") if c))
    if xcol is None:
        xcol = next((c for c in f.columns if c != ycol and _numeric(f, c)), None)
    if xcol is None or not _numeric(f, ycol):
        return None
    rows = f[[xcol, ycol]].dropna().sort_values(xcol)
    if not len(rows):
        return None
    plt = _pyplot()
    xs, ys = rows[xcol].astype(float).tolist(), rows[ycol].astype(float).tolist()
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    ax.step(xs, ys, where="post", color=BLUE, lw=1.5)
    ax.plot(xs, ys, "o", color=ORANGE, ms=4, label="breakpoint")
    step = max(1, math.ceil(len(xs) / 15))  # label at most ~15 points to stay readable
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i % step == 0 or i == len(xs) - 1:
            ax.annotate(f"{x:,.4g}", (x, y), textcoords="offset points", xytext=(2, 6), fontsize=7, rotation=30)
    name = _first(f, ("resource",))
    resource = str(f[name].iloc[0]) if name is not None else (resource_hint or str(xcol))
    ax.set_xlabel(f"{resource} (limit)")
    ax.set_ylabel(f"objective ({ycol})")
    ax.set_title(f"Frontier: objective vs {resource}")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    alt = f"objective from {ys[0]:,.4g} at {xs[0]:,.4g} to {ys[-1]:,.4g} at {xs[-1]:,.4g} over {len(xs)} breakpoints"
    return Chart(f"frontier_{_safe_key(table.key)}", table.title, _png(fig), alt)


def sweep(table: Table) -> Chart | None:
    """Objective against the first varied setting (one line per value of a second, if any)."""
    f = table.frame
    ycol = _first(f, ("objective",))
    if ycol is None or not len(f) or not _numeric(f, ycol):
        return None
    skip = {ycol, "bound", "mip_gap", "solve_seconds", "selected", "seconds", "gap", "point"}
    varied = [
        c for c in f.columns if str(c) not in skip and ("." in str(c) or str(c).startswith("vary")) and _numeric(f, c)
    ]
    if not varied:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    xcol = varied[0]
    groups = [(None, f)] if len(varied) == 1 else list(f.groupby(varied[1], sort=True))[:8]
    for label, grp in groups:
        g = grp[[xcol, ycol]].dropna().sort_values(xcol)
        ax.plot(
            g[xcol].astype(float),
            g[ycol].astype(float),
            "o-",
            ms=3,
            lw=1.2,
            label=None if label is None else f"{varied[1]} = {label:,.4g}",
        )
    ax.set_xlabel(str(xcol))
    ax.set_ylabel("objective")
    ax.set_title(f"Sweep: objective vs {xcol}")
    if len(groups) > 1:
        ax.legend(fontsize=7, frameon=False)
    return Chart(f"sweep_{_safe_key(table.key)}", table.title, _png(fig), f"objective across {len(f)} grid points")


def core_index(table: Table) -> Chart | None:
    """Share of Monte Carlo samples in which each option is chosen (top options)."""
    f = table.frame
    ycol = _first(f, ("core_index", "frequency", "share", "chosen_share", "selected_share"))
    idcol = _first(f, ("option_id", "option"))
    if ycol is None or idcol is None or not len(f) or not _numeric(f, ycol):
        return None
    rows = f[[idcol, ycol]].dropna().sort_values([ycol, idcol], ascending=[False, True]).head(MAX_BARS)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, _height(len(rows))))
    y = list(range(len(rows)))[::-1]
    vals = [100.0 * float(v) for v in rows[ycol]]
    ax.barh(y, vals, color=[GREEN if v >= 90 else ORANGE if v >= 50 else GREY for v in vals])
    ax.set_yticks(y, [_short(o, 32) for o in rows[idcol]])
    ax.set_xlim(0, 105)
    ax.set_xlabel("samples in which the option is chosen (%)")
    ax.set_title("Monte Carlo core index" + (f" (top {MAX_BARS})" if len(f) > MAX_BARS else ""))
    alt = "; ".join(f"{o}: {v:.0f}%" for o, v in zip(rows[idcol], vals))
    return Chart(f"core_index_{_safe_key(table.key)}", "Monte Carlo core index", _png(fig), alt)


def percentiles(table: Table) -> Chart | None:
    """Coverage percentiles per gap or sector: median with a p5–p95 (or nearest) range."""
    f = table.frame
    cols = {str(c).lower(): c for c in f.columns}
    pcols = sorted((float(k[1:]), c) for k, c in cols.items() if k.startswith("p") and k[1:].replace(".", "").isdigit())
    idcol = _first(f, ("sector_id", "gap_id", "sector", "gap", "name"))
    if len(pcols) < 2 or idcol is None or not len(f):
        return None
    lo, hi = pcols[0][1], pcols[-1][1]
    mid = min(pcols, key=lambda p: abs(p[0] - 50))[1]
    rows = f.head(MAX_BARS)
    plt = _pyplot()
    scale = 100.0 if all((v is None or v <= 1.0 + 1e-9) for v in rows[hi].tolist()) else 1.0
    fig, ax = plt.subplots(figsize=(7.0, _height(len(rows))))
    y = list(range(len(rows)))[::-1]
    med = [scale * float(v or 0) for v in rows[mid]]
    low = [m - scale * float(v or 0) for m, v in zip(med, rows[lo])]
    high = [scale * float(v or 0) - m for m, v in zip(med, rows[hi])]
    ax.errorbar(med, y, xerr=[low, high], fmt="o", color=BLUE, ecolor=SKY, elinewidth=4, capsize=0, ms=4)
    ax.set_yticks(y, [_short(o, 30) for o in rows[idcol]])
    ax.set_xlabel(("covered, % of size" if scale == 100.0 else "covered") + f"  (dot = {mid}, bar = {lo}–{hi})")
    ax.set_title("Monte Carlo coverage percentiles")
    return Chart(
        f"percentiles_{_safe_key(table.key)}",
        "Monte Carlo coverage percentiles",
        _png(fig),
        f"{mid} and {lo}–{hi} range for {len(rows)} rows",
    )


def effects(table: Table) -> Chart | None:
    """Explain: change in objective when each option is forced in or out (negative = worse)."""
    f = table.frame
    dcol = _first(f, ("delta", "objective_change", "change", "effect", "delta_objective"))
    idcol = _first(f, ("option_id", "option"))
    if dcol is None or idcol is None or not len(f) or not _numeric(f, dcol):
        return None
    how = _first(f, ("forced", "action", "direction", "force"))
    rows = f[f[dcol].map(lambda v: v is not None)].head(MAX_BARS)
    if how:
        hows = [str(h) for h in rows[how]]
    elif "selected" in rows.columns:  # explain.csv: a selected option is forced out, any other forced in
        hows = ["forced out" if v is True else "forced in" if v is False else "" for v in rows["selected"]]
    else:
        hows = [""] * len(rows)
    labels = [f"{o} ({h})" if h else str(o) for o, h in zip(rows[idcol], hows)]
    plt = _pyplot()
    vals = [float(v) for v in rows[dcol]]
    fig, ax = plt.subplots(figsize=(7.0, _height(len(rows))))
    y = list(range(len(rows)))[::-1]
    ax.barh(y, vals, height=0.6, color=[RED if v < 0 else GREEN for v in vals])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [_short(label, 36) for label in labels])
    ax.set_xlabel("change in objective when forced (objective units)")
    ax.set_title("Explain: effect of forcing options in / out")
    alt = "; ".join(f"{label}: {v:+,.4g}" for label, v in zip(labels, vals))
    return Chart(f"effects_{_safe_key(table.key)}", "Forced-in/out effects", _png(fig), alt)


def value_ranges(table: Table) -> Chart | None:
    """Robust: each non-dominated portfolio's objective range over the weight set W (a min–max bar)."""
    f = table.frame
    if not len(f) or not {"min", "max"} <= set(f.columns) or not (_numeric(f, "min") and _numeric(f, "max")):
        return None
    rows = f.head(MAX_BARS)
    lows, highs = [float(v) for v in rows["min"]], [float(v) for v in rows["max"]]
    ranks = (
        [int(r) for r in rows["rank"]]
        if "rank" in rows.columns and _numeric(rows, "rank")
        else list(range(1, len(rows) + 1))
    )
    sizes = [len(str(s).split(";")) if s else 0 for s in rows["selected"]] if "selected" in rows.columns else None
    labels = [f"#{r}" + (f" ({n} options)" if sizes else "") for r, n in zip(ranks, sizes or ranks)]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, _height(len(rows))))
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [h - lo for lo, h in zip(lows, highs)], left=lows, height=0.5, color=SKY, edgecolor=BLUE)
    ax.plot(lows, y, "|", color=BLUE, ms=12)
    ax.plot(highs, y, "|", color=BLUE, ms=12)
    ax.set_yticks(y, labels)
    pad = 0.05 * max(1e-9, max(highs) - min(lows))
    ax.set_xlim(min(lows) - pad, max(highs) + pad)
    ax.set_xlabel("objective over the weight set W (objective units; bar = worst to best weighting)")
    ax.set_title("Non-dominated portfolios: value range over W" + (f" (first {MAX_BARS})" if len(f) > MAX_BARS else ""))
    alt = "; ".join(f"{label}: {lo:,.4g} to {h:,.4g}" for label, lo, h in zip(labels, lows, highs))
    return Chart(f"value_ranges_{_safe_key(table.key)}", "Non-dominated portfolios: value range over W", _png(fig), alt)


def rival_ladder(table: Table) -> Chart | None:
    """Rival: the nominal and the hedged plan's worst cases against the rival's budget."""
    f = table.frame
    cols = ("rival budget", "nominal worst case", "hedged worst case")
    if not len(f) or not set(cols) <= set(f.columns) or not all(_numeric(f, c) for c in cols):
        return None
    rows = f[list(cols)].dropna().sort_values("rival budget")
    xs = rows["rival budget"].astype(float).tolist()
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    ax.plot(xs, rows["nominal worst case"].astype(float), "o-", color=ORANGE, ms=4, lw=1.5, label="nominal plan")
    ax.plot(xs, rows["hedged worst case"].astype(float), "s-", color=BLUE, ms=4, lw=1.5, label="hedged plan")
    ax.set_xlabel("rival's budget")
    ax.set_ylabel("objective after the rival's best response")
    ax.set_title("Worst case against the rival's budget")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    alt = "; ".join(
        f"budget {x:,.4g}: nominal {n:,.4g}, hedged {h:,.4g}"
        for x, n, h in zip(xs, rows["nominal worst case"].astype(float), rows["hedged worst case"].astype(float))
    )
    return Chart(f"rival_ladder_{_safe_key(table.key)}", "Worst case against the rival's budget", _png(fig), alt)


# ---- Pareto fronts (pareto.csv): the staircase of two objectives, or three 2-D projections ----


def _pareto_objectives(content: RunContent, frame: pd.DataFrame) -> list[tuple[str, str]]:
    out = []
    for o in content.summary.get("objectives") or []:
        if isinstance(o, dict) and o.get("label") in frame.columns:
            out.append((str(o["label"]), str(o.get("sense", ""))))
    return out


def pareto_front(table: Table, content: RunContent) -> Chart | None:
    f = table.frame
    objs = _pareto_objectives(content, f)
    if len(objs) not in (2, 3) or not len(f):
        return None
    plt = _pyplot()
    cols = [label for label, _ in objs]
    words = {label: column_words(label) for label, _ in objs}
    axis = {label: f"{words[label]} ({'max' if sense == 'max' else 'min'})" for label, sense in objs}
    if len(objs) == 2:
        rows = f.sort_values(cols[0])
        xs, ys = rows[cols[0]].astype(float).tolist(), rows[cols[1]].astype(float).tolist()
        sup = [
            bool(v) if isinstance(v, bool) else str(v).lower() == "true"
            for v in rows.get("supported", [False] * len(xs))
        ]
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
        # the staircase through the corners every neighbouring pair dominates (the worse value of each):
        # with x maximised that corner is (x_left, y_right), else (x_right, y_left)
        ax.step(xs, ys, where="pre" if objs[0][1] == "max" else "post", color=BLUE, lw=1.2)
        ax.scatter(
            [x for x, s in zip(xs, sup) if s],
            [y for y, s in zip(ys, sup) if s],
            color=ORANGE,
            edgecolor=ORANGE,
            s=26,
            zorder=3,
            label="supported (best for some weighting)",
        )
        ax.scatter(
            [x for x, s in zip(xs, sup) if not s],
            [y for y, s in zip(ys, sup) if not s],
            facecolor="white",
            edgecolor=BLUE,
            s=26,
            zorder=3,
            label="unsupported (no weighting finds it)",
        )
        ax.set_xlabel(axis[cols[0]])
        ax.set_ylabel(axis[cols[1]])
        ax.set_title(_short(f"{words[cols[0]]} vs {words[cols[1]]} ({len(xs)} points)", 70))
        ax.legend(fontsize=8, frameon=False)
        alt = (
            f"{len(xs)} non-dominated points, {sum(sup)} supported; {words[cols[0]]} from {min(xs):,.4g} to "
            f"{max(xs):,.4g}, {words[cols[1]]} from {min(ys):,.4g} to {max(ys):,.4g}"
        )
        return Chart("pareto_front", table.title, _png(fig), alt)
    pairs = [(0, 1), (0, 2), (1, 2)]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6))
    for ax, (i, j) in zip(axes, pairs):
        ax.scatter(f[cols[i]].astype(float), f[cols[j]].astype(float), color=BLUE, s=14)
        ax.set_xlabel(axis[cols[i]])
        ax.set_ylabel(axis[cols[j]])
    fig.suptitle(f"Pareto front of three objectives: 2-D projections ({len(f)} points)")
    alt = f"{len(f)} non-dominated points of {', '.join(words[c] for c in cols)}, shown pairwise"
    return Chart("pareto_front", table.title, _png(fig), alt)


def _safe_key(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:60] or "table"


def for_table(table: Table, content: RunContent) -> list[Chart]:
    """The charts that fit an extra table (by its file stem); none for unknown tables."""
    key = table.key
    hint = None
    kind = content.summary.get("resource") or content.summary.get("varied")
    if isinstance(kind, str):
        hint = kind
    if key.startswith("frontier") or key.startswith("ladder"):
        charts = [frontier(table, hint)]
    elif key.startswith("sweep"):
        charts = [sweep(table)]
    elif key.startswith("montecarlo"):
        charts = [core_index(table), percentiles(table)]
    elif key == "rival_ladder":
        charts = [rival_ladder(table)]
    elif key == "robust_portfolios":
        charts = [value_ranges(table)]
    elif key == "pareto":
        charts = [pareto_front(table, content)]
    elif key.startswith(("explain", "value")):
        charts = [effects(table)]
    else:
        charts = []
    return [c for c in charts if c is not None]


def all_charts(content: RunContent) -> list[tuple[Table | None, Chart]]:
    """Every chart of a report, each with the extra table it belongs to (None for the core charts)."""
    out: list[tuple[Table | None, Chart]] = []
    for make in (coverage_by_sector, resource_use, partner_sector_matrix):
        chart = make(content)
        if chart is not None:
            out.append((None, chart))
    for table in content.extras:
        out.extend((table, chart) for chart in for_table(table, content))
    seen: set[str] = set()
    unique: list[tuple[Table | None, Chart]] = []
    for owner, chart in out:  # keys name PNG files, so they must be unique
        key, k = chart.key, 1
        while key in seen:
            k += 1
            key = f"{chart.key}_{k}"
        seen.add(key)
        unique.append((owner, chart if key == chart.key else replace(chart, key=key)))
    return unique
