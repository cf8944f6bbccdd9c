"""What the page draws for the jobs about uncertainty and value: Monte Carlo, robust, value of limits
(blocks as `planner.web.job_views` documents them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.io.numbers import fmt_number
from planner.report.words import resource_words
from planner.web.job_views import CORE_COLORS, Block, Names, as_number, chart, facts, fmt, note, table

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    from planner.web.analysis_kinds import RobustJob, ValueJob
    from planner.web.job_kinds import MonteCarloJob
    from planner.web.kind_base import Outcome


def montecarlo(outcome: Outcome, scenario: Scenario, req: MonteCarloJob) -> list[Block]:
    s, names = outcome.summary, Names(scenario)
    obj, base, plan = s.get("objective") or {}, s.get("base") or {}, s.get("base_plan") or {}
    blocks = [
        facts(
            ("Samples", s["samples"]),
            ("The unperturbed plan's objective", fmt(base.get("objective"))),
            ("Unperturbed plan under the perturbations (held fixed), mean", fmt(plan.get("mean"))),
            ("Re-optimised per sample, mean", fmt(obj.get("mean"))),
            ("Core / borderline / exterior", " / ".join(str(s["counts"].get(k, 0)) for k in CORE_COLORS)),
        ),
        note(
            "Two figures per sample: the unperturbed plan held fixed and scored on that sample's inputs, and "
            "the sample's own best plan, re-optimised for its inputs (so its mean can sit above the unperturbed "
            "objective: each sample chooses after seeing its inputs)."
        ),
    ]
    if plan and obj:
        series = [("unperturbed plan, held fixed", plan), ("re-optimised per sample", obj)]
        blocks.append(
            chart(
                "range",
                "Objective over the samples: 5th – 95th percentile",
                "",
                "objective",
                [{"label": "5th – 95th percentile", "values": [[d.get("p5"), d.get("p95")] for _, d in series]}],
                "; ".join(
                    f"{lab}: {fmt(d.get('p5'))} – {fmt(d.get('p95'))}, mean {fmt(d.get('mean'))}" for lab, d in series
                ),
                labels=[lab for lab, _ in series],
            )
        )
    rows = [
        r
        for r in outcome.tables["montecarlo_options.csv"].to_dict(orient="records")
        if r["selected_samples"] > 0 or r.get("in_base")
    ]
    rows.sort(key=lambda r: -r["frequency"])
    blocks.append(
        chart(
            "hbar",
            "How often each option is in the best plan (share of samples)",
            "share of samples",
            "option",
            [
                {
                    "label": "share of samples",
                    "values": [r["frequency"] for r in rows],
                    "colors": [CORE_COLORS.get(r["label"], "#0b5cad") for r in rows],
                }
            ],
            "; ".join(
                f"{names.option(r['option_id'])}: {fmt_number(100 * r['frequency'], 0)}% ({r['label']})" for r in rows
            ),
            labels=[names.option(r["option_id"]) for r in rows],
        )
    )
    blocks.append(
        table(
            "Stoplights: core (green), borderline (amber), exterior (red)",
            [
                ("option", "Option"),
                ("partner", "Partner"),
                ("sector", "Sector"),
                ("in_base", "In the unperturbed plan"),
                ("selected_samples", "Samples with it", "num"),
                ("frequency", "Share", "num"),
                ("label", "Label"),
            ],
            [
                {
                    "option": names.option(r["option_id"]),
                    "partner": names.partners.get(r["partner_id"], r["partner_id"]),
                    "sector": names.sectors.get(r["sector_id"], r["sector_id"]),
                    "in_base": "yes" if r.get("in_base") else "no",
                    "selected_samples": r["selected_samples"],
                    "frequency": r["frequency"],
                    "label": r["label"],
                }
                for r in rows
            ],
            row_class="label",
        )
    )
    never = int((outcome.tables["montecarlo_options.csv"]["selected_samples"] == 0).sum())
    blocks.append(note(f"{never} options are in no sample's plan (exterior; not listed)."))
    if "montecarlo_coverage.csv" in outcome.tables:
        cov = outcome.tables["montecarlo_coverage.csv"].to_dict(orient="records")
        blocks.append(
            table(
                "Coverage per sector (share of each sector's gaps closed)",
                [
                    ("name", "Sector"),
                    ("base_fraction", "Unperturbed plan", "num"),
                    ("mean", "Re-optimised mean", "num"),
                    ("p5", "5th pct", "num"),
                    ("p95", "95th pct", "num"),
                ],
                cov,
            )
        )
    return blocks


def robust(outcome: Outcome, scenario: Scenario, req: RobustJob) -> list[Block]:
    s, names = outcome.summary, Names(scenario)
    if not s.get("weights_matter"):
        return [
            note(
                s.get("message") or "the weights do not change the ranking here: the nominal optimum is robust", "warn"
            ),
            facts(("Nominal objective", fmt((s.get("nominal") or {}).get("objective")))),
        ]
    n, mm, mr, ci = s["nominal"], s["maximin"], s["minimax_regret"], s["core_index"]
    blocks = [
        facts(
            ("Contested weights", ", ".join(names.sectors.get(f, f) for f in s["factors"])),
            ("Corners of the weight set", len(s["vertices"])),
            (
                "Today's optimum: objective / worst case / largest regret",
                f"{fmt(n['objective'])} / {fmt(n['worst_case'])} / {fmt(n['max_regret'])}",
            ),
            ("Best worst case (maximin)", f"{fmt(mm['worst_case'])} ({len(mm['selected'])} options)"),
            ("Smallest largest regret (minimax regret)", f"{fmt(mr['max_regret'])} ({len(mr['selected'])} options)"),
            ("Non-dominated portfolios", f"{ci['portfolios']}" + ("" if ci["complete"] else " (listing stopped)")),
        )
    ]
    if s.get("message"):
        blocks.append(note(s["message"]))
    ports = outcome.tables["robust_portfolios.csv"].to_dict(orient="records")
    blocks.append(
        chart(
            "range",
            "Each non-dominated portfolio's objective over the weight set (worst – best)",
            "portfolio",
            "objective",
            [{"label": "objective range", "values": [[p["min"], p["max"]] for p in ports]}],
            "; ".join(f"portfolio {p['rank']}: {fmt(p['min'])} – {fmt(p['max'])}" for p in ports),
            labels=[f"#{p['rank']}" for p in ports],
        )
    )
    opts = [
        r
        for r in outcome.tables["robust_options.csv"].to_dict(orient="records")
        if r["core"] != "exterior" or r["nominal"] or r["maximin"] or r["minimax_regret"]
    ]
    tick = {1: "✓", 0: ""}
    blocks.append(
        table(
            "Stoplights: core (in every non-dominated portfolio), borderline, exterior",
            [
                ("option", "Option"),
                ("nominal", "Today's optimum"),
                ("maximin", "Maximin"),
                ("minimax_regret", "Minimax regret"),
                ("share", "Share of non-dominated", "num"),
                ("core", "Label"),
            ],
            [
                {
                    "option": names.option(r["option_id"]),
                    "nominal": tick.get(r["nominal"]),
                    "maximin": tick.get(r["maximin"]),
                    "minimax_regret": tick.get(r["minimax_regret"]),
                    "share": r["nondominated_share"],
                    "core": r["core"],
                }
                for r in opts
            ],
            row_class="core",
        )
    )
    blocks.append(
        table(
            "The non-dominated portfolios",
            [
                ("rank", "#", "num"),
                ("min", "Worst case", "num"),
                ("max", "Best case", "num"),
                ("options", "Options", "list"),
            ],
            [{"rank": p["rank"], "min": p["min"], "max": p["max"], "options": names.ids(p["selected"])} for p in ports],
        )
    )
    return blocks


def value(outcome: Outcome, scenario: Scenario, req: ValueJob) -> list[Block]:
    rows = outcome.tables["value.csv"].to_dict(orient="records")
    s = outcome.summary
    label = [f"{resource_words(str(r['ident']))} (+{fmt(r['delta'])})" for r in rows]
    blocks = [facts(("Objective today", fmt(s.get("objective"))), ("Bounds priced", len(rows)))]
    blocks.append(
        chart(
            "hbar",
            "What one more step of each limit buys (objective gained)",
            "objective gained",
            "limit",
            [
                {"label": "gain if raised by the step", "values": [as_number(r["gain_if_relaxed"]) for r in rows]},
                {"label": "loss if lowered by the step", "values": [as_number(r["loss_if_tightened"]) for r in rows]},
            ],
            "; ".join(
                f"{lab}: +{fmt(r['gain_if_relaxed'])}, −{fmt(r['loss_if_tightened'])} if lowered"
                for lab, r in zip(label, rows)
            ),
            labels=label,
        )
    )
    for r in rows:
        blocks.append(
            note(
                f"{resource_words(str(r['ident']))}: {fmt(r['activity'])} of {fmt(r['bound'])} used. {fmt(r['delta'])} more buys "
                f"{fmt(r['gain_if_relaxed'])} objective ({fmt(r['gain_per_unit'])} per unit); "
                f"{fmt(r['delta'])} less costs {fmt(r['loss_if_tightened'])}. "
                f"LP relaxation's dual price (a relaxation only): {fmt(r['lp_dual'])} per unit."
            )
        )
    blocks.append(
        table(
            "Each bound",
            [
                ("ident", "Limit"),
                ("bound", "Today", "num"),
                ("activity", "Used", "num"),
                ("delta", "Step", "num"),
                ("gain_if_relaxed", "Gain if raised", "num"),
                ("gain_per_unit", "per unit", "num"),
                ("loss_if_tightened", "Loss if lowered", "num"),
                ("lp_dual", "LP dual (relaxation)", "num"),
            ],
            rows,
        )
    )
    return blocks
