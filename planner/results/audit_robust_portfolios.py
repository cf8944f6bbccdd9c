"""A `robust` folder's portfolios and options: each portfolio's values over W, the list, the labels.

`Values` holds what every check of the folder recomputes about a portfolio: its value at each
listed vertex (the objective at those weights, numpy face), its least and greatest value over
W exactly (`WeightSet.minimise` / `maximise` over the model's linear form), and z*(w_v), the
optimum at each vertex, re-solved on demand (RESOLVED) when every vertex was examined and there
are at most `MAX_RESOLVES` of them. `check_portfolios` recomputes robust.json's `portfolios`
and robust_portfolios.csv from them, `check_dominance` that no listed portfolio is dominated
and that maximin and minimax regret are the best over the reported portfolios, `check_options`
the core labels and shares (robust.json `options`, `core_index` and robust_options.csv).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from planner.api import SolveOptions, solve
from planner.inputs.scenario import Scenario
from planner.inputs.validate_robust import WeightSet
from planner.results.audit import REL_TOL, Context, JsonObject, Path_, as_list, as_object, close, num
from planner.results.evaluation import evaluate
from planner.robust.weights import Linear, at_point
from planner.solver.outcome import Status

J, O, P = "robust.json", "robust_options.csv", "robust_portfolios.csv"  # noqa: E741 (the files, by initial)
MAX_RESOLVES = 24  # vertices whose optimum check re-solves for the regrets
OPTION_COLUMNS = ("option_id", "nominal", "maximin", "minimax_regret", "core", "nondominated_share", "mc_frequency")
METHODS = ("nominal", "maximin", "minimax_regret")
Floats = NDArray[np.float64]


class Values:
    """A portfolio's value at each listed vertex and exactly over W, and z* at the vertices (re-solved on demand)."""

    def __init__(self, ctx: Context, ws: WeightSet, vertices: Floats, complete: bool) -> None:
        self.ctx, self.ws, self.vertices, self.complete = ctx, ws, vertices, complete
        self.linear = Linear(ctx.scenario, ws)
        self._z: Floats | None = None

    def scenario_at_x(self, x: Floats) -> Scenario:
        return at_point(self.ctx.scenario, self.ws, self.ws.point(x))

    def scenario_at(self, k: int) -> Scenario:
        return self.scenario_at_x(self.vertices[k])

    def of(self, ids: list[str]) -> Floats:
        return np.array([evaluate(self.scenario_at(k), ids).objective for k in range(len(self.vertices))])

    def range(self, ids: list[str]) -> tuple[float, float]:
        """(least, greatest) value over W, exactly."""
        x = np.isin(self.ctx.scenario.options.index, ids).astype(np.int8)
        v, c = self.linear.portfolio(x)
        return c + self.ws.minimise(v)[0], c + self.ws.maximise(v)[0]

    def best(self) -> Floats | None:
        """z*(w_v) per vertex, re-solved (None unless every vertex was examined, at most MAX_RESOLVES, all proven)."""
        if self._z is None and self.complete and len(self.vertices) <= MAX_RESOLVES:
            found = [solve(self.scenario_at(k), SolveOptions(clean_sheet=False)) for k in range(len(self.vertices))]
            if all(f.status is Status.OPTIMAL for f in found):
                self._z = np.array([f.objective for f in found], dtype=float)
        return self._z


class Listed(NamedTuple):
    """One listed non-dominated portfolio, recomputed: its ids, its values at the vertices, its worst case."""

    ids: list[str]
    values: Floats
    least: float


def ids_of(ctx: Context, path: Path_, value: object) -> list[str]:
    """A reported portfolio: known option ids, each once, holding every row of the model."""
    known = set(map(str, ctx.scenario.options.index))
    ctx.ck.mark(J, path)
    ids = as_list(value)
    if not isinstance(value, list) or any(i not in known for i in ids) or len(set(ids)) != len(ids):
        ctx.ck.bad(J, path, value, None, "not a list of known option ids, each once")
        return [i for i in dict.fromkeys(ids) if i in known]
    if evaluate(ctx.scenario, ids).violations():
        ctx.ck.bad(J, path, ids, None, "breaks a row of the model: no solve could return it")
    return list(ids)


def _fit(reported: Any, value: float) -> bool:
    got = num(reported)
    return got is not None and close(got, value)


def check_portfolios(ctx: Context, data: JsonObject, values: Values) -> list[Listed]:
    ck, sc = ctx.ck, ctx.scenario
    listed = as_list(data.get("portfolios"))
    rows = ctx.rows(P)
    cost = sc.cost_resource
    ctx.require_columns(P, ("rank", "selected", "min", "max", cost))
    if len(rows) != len(listed):
        ck.bad(P, (), len(rows), len(listed), "one row per portfolio of robust.json")
    out = []
    for i, entry in enumerate(listed):
        p = as_object(entry)
        ids = ids_of(ctx, ("portfolios", i, "selected"), p.get("selected"))
        z = values.of(ids)
        use = float(sc.options[cost].loc[ids].sum()) if ids else 0.0
        ck.equal(J, ("portfolios", i, "rank"), p.get("rank"), i + 1, "the portfolio's place")
        vv = as_list(p.get("vertex_values"))
        ck.mark(J, ("portfolios", i, "vertex_values"))
        if len(vv) != len(z) or not all(close(num(a) or 0.0, b) and num(a) is not None for a, b in zip(vv, z)):
            ck.bad(J, ("portfolios", i, "vertex_values"), vv, z.tolist(), "its values at the vertices do not recompute")
        least, most = values.range(ids)
        ck.number(J, ("portfolios", i, "min"), p.get("min"), least, "its least value over W")
        ck.number(J, ("portfolios", i, "max"), p.get("max"), most, "its greatest value over W")
        ck.number(J, ("portfolios", i, cost), p.get(cost), use, f"its use of {cost}")
        if i < len(rows):
            row = rows[i]
            _blame_selected(ctx, i, ids, row.get("selected"), vv, values)
            ck.number(P, "rank", row.get("rank"), i + 1, "the portfolio's place", i + 2)
            ck.text(P, "selected", row.get("selected"), ";".join(ids), i + 2, "not robust.json's portfolio")
            ck.number(P, "min", row.get("min"), least, "its least value over W", i + 2)
            ck.number(P, "max", row.get("max"), most, "its greatest value over W", i + 2)
            ck.number(P, cost, row.get(cost), use, f"its use of {cost}", i + 2)
        out.append(Listed(ids, z, least))
    ck.equal(
        J,
        "core_index.portfolios",
        as_object(data.get("core_index")).get("portfolios"),
        len(listed),
        "the portfolios listed",
    )
    return out


def _blame_selected(ctx: Context, i: int, ids: list[str], cell: str | None, vv: list[Any], values: Values) -> None:
    """robust.json's portfolio differs from the CSV's, and the CSV's gives the reported values: blame the JSON's."""
    other = [x for x in str(cell or "").split(";") if x]
    if other == ids or not set(other) <= set(map(str, ctx.scenario.options.index)):
        return
    z = values.of(other)
    if len(vv) == len(z) and all(_fit(a, b) for a, b in zip(vv, z)):
        ctx.ck.bad(
            J,
            ("portfolios", i, "selected"),
            ids,
            other,
            "differs from robust_portfolios.csv, whose portfolio gives the reported values (this does not)",
        )


def check_dominance(ctx: Context, data: JsonObject, listed: list[Listed], complete: bool) -> None:
    """No listed portfolio is dominated by another (over every vertex: when all were examined);
    maximin's worst case is at least every reported portfolio's, minimax regret's regret at most
    theirs (each is the best over all portfolios)."""
    ck = ctx.ck
    for i, (ids, z, _) in enumerate(listed if complete else []):
        for j, (_, other, _) in enumerate(listed):
            if i != j and np.all(other >= z - 1e-9) and np.any(other > z + REL_TOL * max(1.0, float(np.abs(z).max()))):
                ck.bad(
                    J, ("portfolios", i, "selected"), ids, None, f"dominated by portfolio {j + 1}: not non-dominated"
                )
                break
    mm = num((data.get("maximin") or {}).get("worst_case"))
    for name, block in (
        ("nominal", data.get("nominal")),
        *((f"portfolios[{i}]", {"worst_case": least}) for i, (_, _, least) in enumerate(listed)),
    ):
        other_worst = num((block or {}).get("worst_case"))
        if mm is not None and other_worst is not None and other_worst > mm + REL_TOL * max(1.0, abs(mm)):
            ck.bad(J, "maximin.worst_case", mm, other_worst, f"{name} has a better worst case: maximin is not the best")
            break
    mr = num((data.get("minimax_regret") or {}).get("max_regret"))
    for name in ("nominal", "maximin"):
        regret = num((data.get(name) or {}).get("max_regret"))
        if mr is not None and regret is not None and regret < mr - REL_TOL * max(1.0, abs(mr)):
            ck.bad(J, "minimax_regret.max_regret", mr, regret, f"{name} regrets less: minimax regret is not the least")


def _label(share: float) -> str:
    return "core" if share == 1 else "exterior" if share == 0 else "borderline"


def check_options(ctx: Context, data: JsonObject, reported: dict[str, list[str]], listed: list[Listed]) -> None:
    ck, sc = ctx.ck, ctx.scenario
    ids = [str(o) for o in sc.options.index]
    share = {o: (sum(o in p.ids for p in listed) / len(listed) if listed else 0.0) for o in ids}
    labels = {o: _label(share[o]) for o in ids}
    core_index = as_object(data.get("core_index"))
    got = as_object(core_index.get("options"))
    for o in ids:
        ck.equal(
            J, ("core_index", "options", o), got.get(o), labels[o], "the label its share of the listed portfolios gives"
        )
    mc = as_object(data.get("monte_carlo"))
    freq = (mc.get("frequency") or {}) if num(mc.get("samples")) else {}  # no draws: no frequencies
    if "sampled" in core_index:
        sampled = as_object(core_index.get("sampled"))
        for o in ids:
            f = num(freq.get(o))
            want = None if f is None else _label(f)
            ck.equal(J, ("core_index", "sampled", o), sampled.get(o), want, "the label of its Monte Carlo frequency")
    options = as_list(data.get("options"))
    rows = ctx.rows(O)
    ctx.require_columns(O, OPTION_COLUMNS)
    ck.equal(
        J,
        ("options", 0, "option_id"),
        [o.get("option_id") for o in options if isinstance(o, dict)],
        ids,
        "every option once, in table order",
    )
    ck.equal(O, "option_id", [r.get("option_id") for r in rows], ids, "every option once, in table order")
    for i, o in enumerate(ids):
        want_row: dict[str, str | float | None] = {
            **{m: int(o in (reported.get(m) or [])) for m in METHODS},
            "core": labels[o],
            "nondominated_share": share[o],
            "mc_frequency": num(freq.get(o)),
        }
        entry = as_object(options[i]) if i < len(options) else {}
        _check_option(ctx, i, entry, rows[i] if i < len(rows) else None, want_row)


def _check_option(
    ctx: Context, i: int, entry: JsonObject, row: dict[str, str] | None, want: dict[str, str | float | None]
) -> None:
    """One option's entry of robust.json options[] and its row of robust_options.csv."""
    ck = ctx.ck
    for key, value in want.items():
        if key == "core":
            ck.equal(J, ("options", i, key), entry.get(key), value, "core_index's label")
        else:
            ck.number(J, ("options", i, key), entry.get(key), _float(value), key)
        if row is not None:
            if key == "core":
                ck.text(O, key, row.get(key), value, i + 2, "core_index's label")
            else:
                ck.number(O, key, row.get(key), _float(value), key, i + 2)


def _float(value: str | float | None) -> float | None:
    """The expected figure of a numeric column (never a label)."""
    return None if isinstance(value, str) else value
