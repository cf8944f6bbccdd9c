"""The chart of a Pareto run (pareto.csv): the front's staircase for two objectives, with
supported points filled and unsupported ones hollow; for three objectives a row of the
three 2-D projections. Objective names and senses come from summary.json's `objectives`."""
from __future__ import annotations

from planner.report.charts import BLUE, ORANGE, Chart, _png, _pyplot
from planner.report.content import RunContent, Table


def _objectives(content: RunContent, frame) -> list[tuple[str, str]]:
    out = []
    for o in content.summary.get("objectives") or []:
        if isinstance(o, dict) and o.get("label") in frame.columns:
            out.append((str(o["label"]), str(o.get("sense", ""))))
    return out


def pareto_front(table: Table, content: RunContent) -> Chart | None:
    f = table.frame
    objs = _objectives(content, f)
    if len(objs) not in (2, 3) or not len(f):
        return None
    plt = _pyplot()
    cols = [label for label, _ in objs]
    axis = {label: f"{label} ({'max' if sense == 'max' else 'min'})" for label, sense in objs}
    if len(objs) == 2:
        rows = f.sort_values(cols[0])
        xs, ys = rows[cols[0]].astype(float).tolist(), rows[cols[1]].astype(float).tolist()
        sup = [bool(v) if isinstance(v, bool) else str(v).lower() == "true" for v in rows.get("supported", [False] * len(xs))]
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
        # the staircase through the corners every neighbouring pair dominates (the worse value of each):
        # with x maximised that corner is (x_left, y_right), else (x_right, y_left)
        ax.step(xs, ys, where="pre" if objs[0][1] == "max" else "post", color=BLUE, lw=1.2)
        ax.scatter([x for x, s in zip(xs, sup) if s], [y for y, s in zip(ys, sup) if s], color=ORANGE,
                   edgecolor=ORANGE, s=26, zorder=3, label="supported (best for some weighting)")
        ax.scatter([x for x, s in zip(xs, sup) if not s], [y for y, s in zip(ys, sup) if not s], facecolor="white",
                   edgecolor=BLUE, s=26, zorder=3, label="unsupported (no weighting finds it)")
        ax.set_xlabel(axis[cols[0]])
        ax.set_ylabel(axis[cols[1]])
        ax.set_title(f"Pareto front: {cols[0]} vs {cols[1]} ({len(xs)} points)")
        ax.legend(fontsize=8, frameon=False)
        alt = (f"{len(xs)} non-dominated points, {sum(sup)} supported; {cols[0]} from {min(xs):,.4g} to {max(xs):,.4g}, "
               f"{cols[1]} from {min(ys):,.4g} to {max(ys):,.4g}")
        return Chart("pareto_front", table.title, _png(fig), alt)
    pairs = [(0, 1), (0, 2), (1, 2)]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6))
    for ax, (i, j) in zip(axes, pairs):
        ax.scatter(f[cols[i]].astype(float), f[cols[j]].astype(float), color=BLUE, s=14)
        ax.set_xlabel(axis[cols[i]])
        ax.set_ylabel(axis[cols[j]])
    fig.suptitle(f"Pareto front of three objectives: 2-D projections ({len(f)} points)")
    alt = f"{len(f)} non-dominated points of {', '.join(cols)}, shown pairwise"
    return Chart("pareto_front", table.title, _png(fig), alt)
