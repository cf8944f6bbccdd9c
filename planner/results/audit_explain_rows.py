"""The rows of the model an `explain` folder names, and the parameters its entry searches tried.

- `check_named_rows`: each row named as forcing (a selected option) or blocking (an unselected
  one) is a row of the model — its name as the model gives it, its meaning from the tags
  recorded when it was built (`row_keys`) — that the flipped portfolio breaks, with its sense,
  bound, activity and the option's coefficient from the numpy face.
- `check_entry`: which parameters the entry search tried and from what value
  (`planner.analysis.entry.entry_paths`): each blocking row (not require), each other limit
  the option uses, then contributions and cost, with the input cell each would change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from planner.model.assemble import build
from planner.model.faces import RowValue
from planner.results.audit import REL_TOL, Context, JsonObject, as_list, as_object, num
from planner.results.evaluation import evaluate

J = "explain.json"


def row_keys(ctx: Context) -> dict[str, tuple[str, str]]:
    """Each row name of the scenario's model → (family, ident), from the tags recorded when it was built."""
    if "row_keys" not in ctx.cache:
        ctx.cache["row_keys"] = {name: (t.family, t.ident) for name, t in build(ctx.scenario).tags.items()}
    keys: dict[str, tuple[str, str]] = ctx.cache["row_keys"]
    return keys


def fits(value: float | None, reported: Any) -> bool:
    """Whether a reported figure is `value` (both absent counts as a fit)."""
    got = num(reported)
    if value is None or got is None or got != got:
        return value is None and got is None
    return abs(value - got) <= REL_TOL * max(1.0, abs(value), abs(got))


# ---------------------------------------------------------------- rows forcing or blocking an option


Faces = dict[tuple[str, str], RowValue]


def _faces_with_and_without(
    ctx: Context, o: str, portfolio: list[str] | Mapping[str, int], selected: bool
) -> tuple[Faces, Faces]:
    """Every row of the model at the portfolio with `o` and without it."""
    sc = ctx.scenario
    ids = list(portfolio)
    with_ids = ids if selected else [*ids, o]
    without_ids = [i for i in ids if i != o]
    phasing = sc.config.rules.phasing
    if isinstance(portfolio, Mapping) and phasing is not None:
        starts = dict(portfolio)
        with_o = evaluate(sc, {i: starts.get(i, phasing.start) for i in with_ids})
        without = evaluate(sc, {i: starts[i] for i in without_ids})
    else:
        with_o, without = evaluate(sc, with_ids), evaluate(sc, without_ids)
    return with_o.faces()[0], without.faces()[0]


def check_named_rows(
    ctx: Context, k: int, side: str, listed: object, o: str, portfolio: list[str] | Mapping[str, int], selected: bool
) -> None:
    """Each row named as forcing (selected) or blocking (unselected) o: a row of the model (its name as the
    model gives it) that the flipped portfolio breaks. Under rules.phasing an added option's start year is
    not known, so the rows of the phasing family are checked for their bound only."""
    ck, sc = ctx.ck, ctx.scenario
    rows_with, rows_without = _faces_with_and_without(ctx, o, portfolio, selected)
    flipped = rows_without if selected else rows_with
    names = row_keys(ctx)
    amounts = sc.contributions[sc.contributions["option_id"] == o].set_index("gap_id")["amount"]
    for j, entry in enumerate(as_list(listed)):
        p = ("explanations", k, side, j)
        r = as_object(entry)
        name = r.get("row")
        ck.mark(J, (*p, "row"))
        if not isinstance(name, str) or name not in names or names[name] not in flipped:
            ck.bad(J, (*p, "row"), name, None, "not a row of the model")
            continue
        family, ident = names[name]
        ck.equal(J, (*p, "family"), r.get("family"), family, "the row's family")
        ck.equal(J, (*p, "ident"), r.get("ident"), ident, "the row's ident")
        face = flipped[(family, ident)]
        sense = "<=" if face.lower == float("-inf") else ">=" if face.upper == float("inf") else "=="
        ck.equal(J, (*p, "sense"), r.get("sense"), sense, "the row's sense")
        ck.number(J, (*p, "bound"), r.get("bound"), face.upper if sense == "<=" else face.lower, "the row's bound")
        if sc.config.rules.phasing is not None and family == "phasing":
            ck.mark(J, (*p, "activity"))
            ck.mark(J, (*p, "coefficient"))
            continue
        ck.number(J, (*p, "activity"), r.get("activity"), face.activity, "the row's activity with the option flipped")
        if face.violation() <= REL_TOL * max(1.0, abs(face.activity)):
            ck.bad(J, (*p, "activity"), face.activity, None, "the flipped portfolio does not break this row")
        coefficient = (
            -float(amounts.get(ident, 0.0))
            if family == "target"
            else rows_with[(family, ident)].activity - rows_without[(family, ident)].activity
        )
        ck.number(J, (*p, "coefficient"), r.get("coefficient"), coefficient, "the option's coefficient in the row")


# ---------------------------------------------------------------- the entry searches


class EntryPath(NamedTuple):
    """What one entry path of an option should say: its kind, today's value, the blocking row's
    family and the input cell to change (None where there is none)."""

    kind: str
    current: object
    family: object
    edit: dict[str, object] | None


def _entry_paths(
    ctx: Context, e: JsonObject, o: str
) -> tuple[dict[object, EntryPath], list[object], list[str], list[str]]:
    """The paths the search tries, by parameter, and their order: the blocking rows (head), the other
    limits the option uses (extra, any order), then contributions and cost (tail)."""
    sc = ctx.scenario
    blocked = [as_object(b) for b in as_list(e.get("blocked_by")) if isinstance(b, dict)]
    want: dict[object, EntryPath] = {}  # by parameter: a resource, a row name (as the folder gives them)
    for b in (b for b in blocked if b.get("family") != "require"):
        limit = b.get("family") == "limit"
        parameter = b.get("ident") if limit else b.get("row")
        want[parameter] = EntryPath("limit" if limit else "rule", b.get("bound"), b.get("family"), None)
    head = list(want)
    extra = [r for r in sc.config.limits if float(sc.options[r].loc[o]) > 0 and r not in want]
    for r in extra:
        want[r] = EntryPath("limit", sc.config.limits[r], "limit", None)
    tail = []
    c = sc.contributions
    if bool((c.loc[c["option_id"] == o, "amount"] > 0).any()):
        tail.append("contributions")
        cell: dict[str, object] = {"file": sc.files["contributions"], "column": "amount", "option_id": o}
        want["contributions"] = EntryPath("contributions", 1.0, None, cell)
    cost = float(sc.options[sc.cost_resource].loc[o])
    if cost > 0:
        tail.append("cost")
        row = list(sc.options.index).index(o) + 2  # the spreadsheet row (ids are unique)
        cell = {"file": sc.files["options"], "row": row, "column": sc.cost_resource, "option_id": o}
        want["cost"] = EntryPath("cost", cost, None, cell)
    return want, head, extra, tail


def check_entry(ctx: Context, k: int, e: JsonObject, o: str) -> None:
    """Which parameters the entry search tried, from what value (planner.analysis.entry.entry_paths): each
    blocking row (not require), each other limit the option uses, then contributions and cost."""
    ck = ctx.ck
    entry = [as_object(p) for p in as_list(e.get("entry"))]
    if not entry:
        return  # selected options, and --no-thresholds: no search
    want, head, extra, tail = _entry_paths(ctx, e, o)
    got = [p.get("parameter") for p in entry]
    n, m = len(head), len(extra)
    ck.mark(J, ("explanations", k, "entry", 0, "parameter"))
    if len(got) != len(want) or got[:n] != head or set(got[n : n + m]) != set(extra) or got[n + m :] != tail:
        ck.bad(
            J,
            ("explanations", k, "entry", 0, "parameter"),
            got,
            [*head, *extra, *tail],
            "one path per blocking row, then the other limits the option uses, then contributions and cost",
        )
    for j, p in enumerate(entry):
        parameter = p.get("parameter")
        if parameter not in want:
            continue
        path = want[parameter]
        at = ("explanations", k, "entry", j)
        ck.equal(J, (*at, "kind"), p.get("kind"), path.kind, "the path's kind")
        ck.equal(J, (*at, "family"), p.get("family"), path.family, "the blocking row's family")
        if p.get("status") == "unknown":  # the search could not start (its notes say why): no value, no cell
            continue
        ck.number(J, (*at, "current"), p.get("current"), num(path.current), "today's value")
        got_edit = as_object(p.get("edit"))
        for cell, value in (path.edit or {}).items():
            ck.equal(J, (*at, "edit", cell), got_edit.get(cell), value, "the input cell to change")
