"""What the page draws for a rival job and a Pareto job (blocks as `planner.web.job_views` documents them).

Rival: both plans side by side (objective with nobody pulled, worst case once the rival has
pulled), who the rival pulls against each, the price of hedging beside its gain, the ladder of
rival budgets, and per partner what pulling it costs the rival. Pareto: the front as a chart of
the first two objectives and a table of the points, each with the options that enter and leave.
Words for the objectives come from `planner.report.words`, names from the scenario's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.report.words import pareto_objective_words
from planner.web.job_views import Block, Names, as_number, chart, facts, fmt, note, table

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    from planner.web.analysis_kinds import ParetoJob, RivalJob
    from planner.web.kind_base import Outcome


def _partners(names: Names, ids: Any) -> str:
    items = ids if isinstance(ids, list) else [i for i in str(ids or "").split(";") if i]
    return ", ".join(names.partners.get(p, p) for p in items) or "nobody"


def _plan_facts(label: str, plan: dict[str, Any]) -> tuple[str, str]:
    return (
        f"{label}: objective / worst case",
        f"{fmt(plan.get('objective'))} / {fmt(plan.get('worst_case'))} ({len(plan.get('selected') or [])} options)",
    )


def rival(outcome: Outcome, scenario: Scenario, req: RivalJob) -> list[Block]:
    s, names = outcome.summary, Names(scenario)
    r, nominal, hedged = s.get("rival") or {}, s.get("nominal") or {}, s.get("hedged") or {}
    who = str(r.get("name") or "the rival")
    blocks = [
        facts(
            ("Rival", f"{who}: budget {fmt(r.get('budget'))}, shield {fmt(r.get('shield'))} per option"),
            _plan_facts("Nominal plan", nominal),
            _plan_facts("Hedged plan", hedged),
            ("Price of hedging", fmt(s.get("price_of_hedging"))),
            ("Gain against the rival", fmt(s.get("gain"))),
            ("Proof", "exact" if s.get("exact") else f"not proven: gap {fmt(s.get('gap'))}"),
        ),
        note(
            f"Against the nominal plan {who} pulls {_partners(names, nominal.get('response'))}; against the "
            f"hedged plan, {_partners(names, hedged.get('response'))}. Hedging costs {fmt(s.get('price_of_hedging'))} "
            f"when nobody is pulled and gains {fmt(s.get('gain'))} in the worst case."
        ),
    ]
    plans = [("nominal plan", nominal), ("hedged plan", hedged)]
    blocks.append(
        chart(
            "bar",
            f"Both plans: objective with nobody pulled, and worst case once {who} has pulled",
            "",
            "objective",
            [
                {"label": "nobody pulled", "values": [p.get("objective") for _, p in plans]},
                {"label": "worst case", "values": [p.get("worst_case") for _, p in plans]},
            ],
            "; ".join(f"{k}: {fmt(p.get('objective'))}, worst case {fmt(p.get('worst_case'))}" for k, p in plans),
            labels=[k for k, _ in plans],
        )
    )
    chosen_n, chosen_h = set(nominal.get("selected") or []), set(hedged.get("selected") or [])
    blocks.append(
        table(
            "How the hedged plan differs from the nominal one",
            [("adds", "Hedged plan adds", "list"), ("drops", "Hedged plan drops", "list")],
            [{"adds": names.ids(sorted(chosen_h - chosen_n)), "drops": names.ids(sorted(chosen_n - chosen_h))}],
        )
    )
    blocks.extend(_ladder(outcome, names, who))
    blocks.append(_partner_table(outcome, names, who))
    return blocks


def _ladder(outcome: Outcome, names: Names, who: str) -> list[Block]:
    frame = outcome.tables.get("rival_ladder.csv")
    rows = [] if frame is None else frame.to_dict(orient="records")
    if not rows:
        return []
    series = [
        {
            "label": label,
            "points": [[as_number(r["budget"]), as_number(r[key])] for r in rows if as_number(r[key]) is not None],
        }
        for label, key in (("nominal plan", "nominal_worst_case"), ("hedged plan", "hedged_worst_case"))
    ]
    return [
        chart(
            "line",
            f"The ladder: each plan's worst case as {who}'s budget grows",
            f"{who}'s budget",
            "worst case",
            series,
            "; ".join(
                f"budget {fmt(r['budget'])}: nominal {fmt(r['nominal_worst_case'])}, hedged {fmt(r['hedged_worst_case'])}"
                for r in rows
            ),
        ),
        table(
            "The ladder of rival budgets",
            [
                ("budget", "Rival budget", "num"),
                ("nominal", "Nominal worst case", "num"),
                ("pulls_n", "Pulls (nominal)"),
                ("hedged", "Hedged worst case", "num"),
                ("pulls_h", "Pulls (hedged)"),
                ("price", "Price of hedging", "num"),
                ("gain", "Gain", "num"),
            ],
            [
                {
                    "budget": r["budget"],
                    "nominal": r["nominal_worst_case"],
                    "pulls_n": _partners(names, r.get("nominal_response")),
                    "hedged": r["hedged_worst_case"],
                    "pulls_h": _partners(names, r.get("hedged_response")),
                    "price": r["price_of_hedging"],
                    "gain": r["gain"],
                }
                for r in rows
            ],
        ),
    ]


def _partner_table(outcome: Outcome, names: Names, who: str) -> Block:
    rows = outcome.tables["rival_partners.csv"].to_dict(orient="records")
    shown = [
        r for r in rows if r["options_nominal"] or r["options_hedged"] or r["pulled_nominal"] or r["pulled_hedged"]
    ]
    yes = {True: "yes", False: ""}
    return table(
        f"Partners in either plan: what pulling each costs {who}, and what losing it costs us",
        [
            ("partner", "Partner"),
            ("cost_n", f"Cost to {who} (nominal)", "num"),
            ("loss_n", "Loss if pulled alone (nominal)", "num"),
            ("pulled_n", "Pulled (nominal)"),
            ("cost_h", f"Cost to {who} (hedged)", "num"),
            ("loss_h", "Loss if pulled alone (hedged)", "num"),
            ("pulled_h", "Pulled (hedged)"),
        ],
        [
            {
                "partner": names.partners.get(r["partner_id"], r["partner_id"]),
                "cost_n": r["cost_nominal"],
                "loss_n": r["loss_alone_nominal"],
                "pulled_n": yes.get(bool(r["pulled_nominal"])),
                "cost_h": r["cost_hedged"],
                "loss_h": r["loss_alone_hedged"],
                "pulled_h": yes.get(bool(r["pulled_hedged"])),
            }
            for r in shown
        ],
    )


def pareto(outcome: Outcome, scenario: Scenario, req: ParetoJob) -> list[Block]:
    s, names = outcome.summary, Names(scenario)
    objectives = [o for o in s.get("objectives") or [] if isinstance(o, dict)]
    words = {
        str(o["label"]): pareto_objective_words(str(o.get("kind")), o.get("id"))
        + (" (max)" if o.get("sense") == "max" else " (min)")
        for o in objectives
    }
    labels = list(words)
    rows = outcome.tables["pareto.csv"].to_dict(orient="records")
    blocks = [
        facts(
            ("Objectives", "; ".join(words.values())),
            ("Non-dominated points", s.get("points_count", len(rows))),
            ("Front", "complete" if s.get("complete") else "partial"),
            ("Solves", s.get("solves")),
        )
    ]
    if len(labels) >= 2 and rows:
        x, y = labels[0], labels[1]
        pts = sorted([as_number(r[x]), as_number(r[y])] for r in rows)
        blocks.append(
            chart(
                "line",
                f"The trade-off: {words[x]} against {words[y]}",
                words[x],
                words[y],
                [{"label": "non-dominated points", "points": pts}],
                "; ".join(f"{fmt(a)}, {fmt(b)}" for a, b in pts),
            )
        )
    previous: set[str] = set()
    points = []
    for i, r in enumerate(rows):
        cell = r["selected"]
        chosen = set(cell) if isinstance(cell, list) else {o for o in str(cell or "").split(";") if o}
        points.append(
            {
                "point": i + 1,
                **{f"v{j}": r.get(k) for j, k in enumerate(labels)},
                "supported": "yes" if r.get("supported") else "no",
                "options": len(chosen),
                "enters": names.ids(sorted(chosen - previous)) if i else [],
                "leaves": names.ids(sorted(previous - chosen)),
                "load": sorted(chosen),
            }
        )
        previous = chosen
    blocks.append(
        table(
            "The points: each with its least-cost portfolio, and what enters and leaves from the one before",
            [
                ("point", "#", "num"),
                *((f"v{j}", words[k], "num") for j, k in enumerate(labels)),
                ("supported", "Supported (a weighted optimum)"),
                ("options", "Options", "num"),
                ("enters", "Enter", "list"),
                ("leaves", "Leave", "list"),
                ("load", "", "load"),
            ],
            points,
        )
    )
    return blocks
