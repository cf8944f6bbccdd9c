"""What the page draws for a finished job: a list of blocks, each a plain dict the page renders
without knowing the job's kind.

- `{"type": "note", "text": …, "tone": "info"|"warn"}`: a sentence;
- `{"type": "facts", "items": [{"label": …, "value": …}]}`: the headline figures, labelled;
- `{"type": "chart", "chart": {"type": "step"|"line"|"bar"|"hbar"|"range", "title", "x", "y",
  "labels"?, "series": [{"label", "points"|"values", "colors"?}], "marks"?: [{"x", "label"}],
  "alt"}}`: drawn with the vendored Chart.js; `alt` is its text alternative;
- `{"type": "table", "title", "columns": [{"key", "label", "num"?, "list"?}], "rows", "row_class"?}`:
  `list` columns hold lists of names (wrapped on the page); `row_class` names the column whose
  value colours the row (core / borderline / exterior).

Every figure is read from the job's own summary and tables; names come from the scenario's
tables (options, partners, sectors), never made up here.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from planner.io.numbers import fmt_number
from planner.report.headlines import binding_figures
from planner.report.words import column_words, resource_words

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    from planner.web.job_kinds import AlternativesJob, FrontierJob, SweepJob, TranchesJob
    from planner.web.kind_base import Outcome

Block = dict[str, Any]  # one block of a panel (the list above)

fmt = partial(fmt_number, digits=4)  # figures in sentences: up to 4 decimals

CORE_COLORS = {"core": "#1a7f37", "borderline": "#bf8700", "exterior": "#b42318"}
SEP = ";"  # how the library's tables join a portfolio's option ids in one cell


class Names:
    """Display names from the scenario's tables."""

    def __init__(self, scenario: Scenario) -> None:
        self.options = {str(k): str(v) for k, v in scenario.options["name"].items()}
        self.partners = {str(k): str(v) for k, v in scenario.partners["name"].items()}
        self.sectors = {str(k): str(v) for k, v in scenario.sectors["name"].items()}

    def option(self, o: str) -> str:
        return self.options.get(o, o)

    def ids(self, cell: Any) -> list[str]:
        """The option names of a list cell (a list, or ids joined by ';')."""
        items = cell if isinstance(cell, list) else [] if not cell or cell != cell else str(cell).split(SEP)
        return [self.option(o) for o in items if o]


def note(text: str, tone: str = "info") -> Block:
    return {"type": "note", "text": text, "tone": tone}


def facts(*items: tuple[str, Any]) -> Block:
    return {"type": "facts", "items": [{"label": k, "value": v} for k, v in items]}


def chart(kind: str, title: str, x: str, y: str, series: list[dict[str, Any]], alt: str, **extra: Any) -> Block:
    return {
        "type": "chart",
        "chart": {"type": kind, "title": title, "x": x, "y": y, "series": series, "alt": alt, **extra},
    }


def table(
    title: str, columns: Sequence[tuple[str, ...]], rows: Sequence[Mapping[Any, Any]], row_class: str | None = None
) -> Block:
    cols = [
        {
            "key": c[0],
            "label": c[1],
            **({"num": True} if "num" in c[2:] else {}),
            **({"list": True} if "list" in c[2:] else {}),
            **({"load": True} if "load" in c[2:] else {}),  # a portfolio (ids) the page can load as the what-if
        }
        for c in columns
    ]
    return {
        "type": "table",
        "title": title,
        "columns": cols,
        "rows": rows,
        **({"row_class": row_class} if row_class else {}),
    }


def as_number(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def tables_only(outcome: Outcome) -> list[Block]:
    """A kind without its own view: each table as it is."""
    out = []
    for name, frame in outcome.tables.items():
        cols = [(c, c) for c in frame.columns]
        out.append(table(name, cols, frame.head(500).to_dict(orient="records")))
    return out


def _binding(scenario: Scenario, seg: Mapping[Any, Any], resource: str, current: float | None) -> list[str]:
    """The limits that stop the segment's plan from taking one more option: no option left out
    fits in what is left of them (each limit at the what-if's value; `resource` at `current`)."""
    chosen = set(str(seg["portfolio"]).split(SEP)) if seg.get("portfolio") else set()
    left = scenario.options.loc[[o for o in scenario.options.index if o not in chosen]]
    out = []
    for r, limit in scenario.config.limits.items():
        used = as_number(seg.get(f"{r}_used"))
        cap = current if r == resource else as_number(limit)
        if used is None or cap is None or r not in left.columns:
            continue
        uses = left[r][left[r] > 0]
        if len(uses) and cap - used < float(uses.min()) - 1e-9:
            out.append(f"{resource_words(r)} ({fmt(used)} of {fmt(cap)} used)")
    return out


def frontier(outcome: Outcome, scenario: Scenario, req: FrontierJob) -> list[Block]:
    s, names = outcome.summary, Names(scenario)
    resource = s["resource"]
    rows = [
        r for r in outcome.tables["frontier.csv"].to_dict(orient="records") if as_number(r["objective"]) is not None
    ]
    current = as_number(scenario.config.limits.get(resource))
    points = [[r["limit_from"], r["objective"]] for r in rows] + (
        [[rows[-1]["limit_to"], rows[-1]["objective"]]] if rows else []
    )
    here = next((r for r in rows if current is not None and r["limit_from"] <= current <= r["limit_to"]), None)
    blocks = [
        facts(
            ("Limit walked", resource_words(resource)),
            ("Range covered", f"{fmt(s['covered_from'])} – {fmt(s['to'])}"),
            ("Solves", s["solves"]),
            ("Plans (steps)", s["segments"]),
            (
                "Lowest feasible limit",
                "none found" if s.get("infeasible_below") is None else fmt(s["infeasible_below"]),
            ),
        )
    ]
    if here is not None:
        binding = _binding(scenario, here, resource, current)
        blocks.append(
            note(
                f"This what-if's plan (at {resource_words(resource)} = {fmt(current)}) is optimal from {fmt(here['limit_from'])} "
                f"to {fmt(here['limit_to'])}: objective {fmt(here['objective'])}, {here['selected']} options. "
                + (
                    f"Binding: {', '.join(binding)}."
                    if binding
                    else "No limit binds: an option left out would still fit."
                )
            )
        )
    marks = [{"x": current, "label": f"this what-if: {fmt(current)}"}] if current is not None else []
    blocks.append(
        chart(
            "step",
            f"Objective (weighted share of gaps closed) against the {resource_words(resource)} limit",
            resource_words(resource),
            "objective",
            [{"label": "best plan at that limit", "points": points}],
            "; ".join(f"{fmt(r['limit_from'])}–{fmt(r['limit_to'])}: {fmt(r['objective'])}" for r in rows),
            marks=marks,
        )
    )
    ladder = [
        {
            "option": names.option(r["option_id"]),
            "partner": names.partners.get(r["partner_id"], r["partner_id"]),
            "sector": names.sectors.get(r["sector_id"], r["sector_id"]),
            "event": "enters" if r["event"] == "enter" else "leaves",
            "at": r["at_limit"],
            "objective": r["objective_at"],
        }
        for r in outcome.tables["ladder.csv"].to_dict(orient="records")
    ]
    blocks.append(
        table(
            f"Entry / exit ladder: where each option enters or leaves as {resource_words(resource)} rises",
            [
                ("option", "Option"),
                ("partner", "Partner"),
                ("sector", "Sector"),
                ("event", "Event"),
                ("at", f"At {resource_words(resource)}", "num"),
                ("objective", "Objective there", "num"),
            ],
            ladder,
        )
    )
    steps = [
        {
            "from": r["limit_from"],
            "to": r["limit_to"],
            "objective": r["objective"],
            "selected": r["selected"],
            "entered": names.ids(r["entered"]),
            "left": names.ids(r["left"]),
        }
        for r in rows
    ]
    blocks.append(
        table(
            "The steps",
            [
                ("from", "From", "num"),
                ("to", "To", "num"),
                ("objective", "Objective", "num"),
                ("selected", "Options", "num"),
                ("entered", "Enter here", "list"),
                ("left", "Leave here", "list"),
            ],
            steps,
        )
    )
    return blocks


def tranches(outcome: Outcome, scenario: Scenario, req: TranchesJob) -> list[Block]:
    s, names = outcome.summary, Names(scenario)
    rows = outcome.tables["tranches.csv"].to_dict(orient="records")
    labels = [f"tranche {r['tranche']}: {fmt(r['limit'])}" for r in rows]
    earlier = [(as_number(r["objective"]) or 0) - (as_number(r["objective_added"]) or 0) for r in rows]
    blocks = [
        facts(
            ("Limit", resource_words(s["resource"])),
            ("Nesting", s["nested"]),
            ("Objectives' sum", fmt(s["objective_sum"])),
            ("Price of nesting (sum)", fmt(s.get("price_of_nesting"))),
        )
    ]
    limits = dict(scenario.config.limits)
    for label, text in binding_figures(s["resource"], outcome.tables["tranches.csv"], limits):
        blocks.append(note(f"{label}: {text}."))
    blocks.append(
        chart(
            "stacked",
            "Each tranche's plan: what it keeps and what it adds",
            "tranche",
            "objective",
            [
                {"label": "kept from earlier tranches", "values": earlier},
                {"label": "added in this tranche", "values": [as_number(r["objective_added"]) for r in rows]},
                {
                    "label": "best plan at that limit alone",
                    "values": [as_number(r["unconstrained_objective"]) for r in rows],
                    "line": True,
                },
            ],
            "; ".join(
                f"{lab}: {fmt(r['objective'])} (alone {fmt(r['unconstrained_objective'])})"
                for lab, r in zip(labels, rows)
            ),
            labels=labels,
        )
    )
    cost = scenario.cost_resource
    table_rows = [
        {
            "tranche": r["tranche"],
            "limit": r["limit"],
            "status": r["status"],
            "objective": r["objective"],
            "alone": r["unconstrained_objective"],
            "price": r["price_of_nesting"],
            "used": r.get(f"{cost}_used"),
            "unspent": None
            if as_number(r.get(f"{cost}_used")) is None or s["resource"] != cost
            else r["limit"] - r[f"{cost}_used"],
            "added": names.ids(r["added"]),
        }
        for r in rows
    ]
    blocks.append(
        table(
            "The tranches",
            [
                ("tranche", "Tranche", "num"),
                ("limit", f"{resource_words(s['resource'])} limit", "num"),
                ("status", "Status"),
                ("objective", "Objective", "num"),
                ("alone", "Best alone", "num"),
                ("price", "Price of nesting", "num"),
                ("used", f"{resource_words(cost)} used", "num"),
                ("unspent", f"{resource_words(cost)} unspent", "num"),
                ("added", "Options added", "list"),
            ],
            table_rows,
        )
    )
    return blocks


def sweep(outcome: Outcome, scenario: Scenario, req: SweepJob) -> list[Block]:
    names = Names(scenario)
    frame = outcome.tables["sweep.csv"]
    keys = [a.key for a in req.vary]
    rows = frame.to_dict(orient="records")
    blocks = []
    first = keys[0]
    said = {k: column_words(k, tuple(scenario.resources)) for k in keys}  # "budget (M$) limit", not the key
    groups: dict[str, list[list[Any]]] = {}
    for r in rows:
        label = ", ".join(f"{said[k]} = {fmt(r[k])}" for k in keys[1:]) or "objective"
        if as_number(r[first]) is not None and as_number(r["objective"]) is not None:
            groups.setdefault(label, []).append([as_number(r[first]), r["objective"]])
    if groups:
        blocks.append(
            chart(
                "line",
                f"Objective (weighted share of gaps closed) against the {said[first]}",
                said[first],
                "objective",
                [{"label": k, "points": sorted(v)} for k, v in groups.items()],
                "; ".join(f"{said[first]} {fmt(p[0])}: {fmt(p[1])}" for v in groups.values() for p in v),
            )
        )
    used = [c for c in frame.columns if c.endswith("_used")]
    blocks.append(
        table(
            "Each point",
            [
                *((k, said[k]) for k in keys),
                ("status", "Status"),
                ("objective", "Objective", "num"),
                ("selected", "Options", "num"),
                *((c, resource_words(c.removesuffix("_used")) + " used", "num") for c in used),
            ],
            [{k: r.get(k) for k in [*keys, "status", "objective", "selected", *used]} for r in rows],
        )
    )
    changes = (
        [
            {
                "between": f"{fmt(r['from_value'])} → {fmt(r['to_value'])}",
                "axis": r["axis"],
                "option": names.option(r["option_id"]),
                "change": "enters" if r["change"] == "enter" else "leaves",
            }
            for r in outcome.tables.get("changes.csv", frame.iloc[0:0]).to_dict(orient="records")
        ]
        if "changes.csv" in outcome.tables
        else []
    )
    if changes:
        blocks.append(
            table(
                "What changes between neighbouring points",
                [("axis", "Key"), ("between", "Between"), ("option", "Option"), ("change", "Change")],
                changes,
            )
        )
    return blocks


def alternatives(outcome: Outcome, scenario: Scenario, req: AlternativesJob) -> list[Block]:
    names = Names(scenario)
    rows = outcome.tables["alternatives.csv"].to_dict(orient="records")
    cost = scenario.cost_resource
    return [
        table(
            "The optimum (0) and its alternatives",
            [
                ("alternative", "#", "num"),
                ("status", "Status"),
                ("objective", "Objective", "num"),
                ("loss_pct", "Loss %", "num"),
                ("used", f"{resource_words(cost)} used", "num"),
                ("dropped", "Drops", "list"),
                ("added", "Adds", "list"),
            ],
            [
                {
                    "alternative": r["alternative"],
                    "status": r["status"],
                    "objective": r["objective"],
                    "loss_pct": r["loss_pct"],
                    "used": r.get(f"{cost}_used"),
                    "dropped": names.ids(r["dropped_ids"]),
                    "added": names.ids(r["added_ids"]),
                }
                for r in rows
            ],
        )
    ]
