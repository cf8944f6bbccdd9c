"""Every rule family against brute force on tiny random instances (≤ 8 options).

For each family, Hypothesis draws an instance and a rule of that family; the test
enumerates every portfolio (and, for phasing, every start year), judges each with an
independent reading of the rule's meaning (plain Python below, not planner.model.rules), and
checks that the solver's portfolio is feasible under that reading, that its objective is
the brute-force optimum, and that `planner.results.evaluation` recomputes the solver's own
objective value from the portfolio alone.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.model.assemble import build
from planner.inputs.config import parse_config
from planner.errors import InputError
from planner.results.evaluation import evaluate
from planner.inputs.read import RawInputs
from planner.model.rules import family_names
from planner.solver import solve_model
from planner.inputs.validate import validate

PARTNERS = [("p0", "R1", "A"), ("p1", "R1", "A|B"), ("p2", "R2", "B")]
SECTORS = ["s0", "s1"]
TOL = 1e-6


@st.composite
def instances(draw, max_options: int = 8):
    n = draw(st.integers(3, max_options))
    gaps = [
        {
            "gap_id": f"g{j}",
            "sector_id": SECTORS[j % 2],
            "size": draw(st.sampled_from([5, 10, 20])),
            "weight": draw(st.integers(1, 3)),
            "critical": draw(st.booleans()),
        }
        for j in range(3)
    ]
    options, contribs = [], []
    for i in range(n):
        options.append(
            {
                "option_id": f"o{i}",
                "partner_id": draw(st.sampled_from([p for p, _, _ in PARTNERS])),
                "sector_id": draw(st.sampled_from(SECTORS)),
                "kind": draw(st.sampled_from(["buyer", "standards"])),
                "budget_musd": draw(st.integers(1, 6)),
                "diplomatic_capacity": 1,
                "risk": draw(st.integers(0, 10)) / 10,
                "duration_years": draw(st.integers(1, 3)),
            }
        )
        for g in draw(st.lists(st.sampled_from(range(3)), min_size=1, max_size=2, unique=True)):
            contribs.append({"option_id": f"o{i}", "gap_id": f"g{g}", "amount": draw(st.integers(1, 12))})
    return {
        "options": options,
        "gaps": gaps,
        "contributions": contribs,
        "budget": draw(st.integers(4, 18)),
        "risk_penalty": draw(st.sampled_from([0.0, 0.0, 0.1])),
    }


def ids(draw, inst, lo=1, hi=3):
    return draw(
        st.lists(st.sampled_from([o["option_id"] for o in inst["options"]]), min_size=lo, max_size=hi, unique=True)
    )


def selectors(draw, inst):
    field = draw(st.sampled_from(["options", "partner", "sector", "kind", "bloc", "region"]))
    values = {
        "options": lambda: ids(draw, inst),
        "partner": lambda: [draw(st.sampled_from(["p0", "p1", "p2"]))],
        "sector": lambda: [draw(st.sampled_from(SECTORS))],
        "kind": lambda: ["standards"],
        "bloc": lambda: [draw(st.sampled_from(["A", "B"]))],
        "region": lambda: [draw(st.sampled_from(["R1", "R2"]))],
    }
    return {field: values[field]()}


def rule_for(family: str, draw, inst) -> dict:
    gap = st.sampled_from(["g0", "g1", "g2"])
    if family == "require":
        return {"require": ids(draw, inst, 1, 2)}
    if family == "forbid":
        return {"forbid": ids(draw, inst, 1, 2)}
    if family == "requires":
        key = draw(st.sampled_from(["needs", "needs_any"]))
        return {
            "requires": [
                {"option": ids(draw, inst, 1, 2), key: ids(draw, inst, 1, 3)} for _ in range(draw(st.integers(1, 2)))
            ]
        }
    if family == "excludes":
        return {"excludes": [{"options": ids(draw, inst, 2, 4), "at_most": draw(st.integers(1, 2))}]}
    if family == "groups":
        rule = {"select": selectors(draw, inst)}
        rule.update(
            draw(
                st.sampled_from(
                    [
                        {"max_options": 1},
                        {"min_options": 1},
                        {"max_options": 2, "min_options": 1},
                        {"max_use": {"budget_musd": 5}},
                        {"min_use": {"budget_musd": 3}},
                    ]
                )
            )
        )
        return {"groups": [rule]}
    if family == "max_options":
        return {"max_options": {"default": draw(st.integers(0, 2)), "partners": {"p0": draw(st.integers(0, 3))}}}
    if family == "min_fraction":
        return {
            "min_fraction": {
                "sectors": {draw(st.sampled_from(SECTORS)): draw(st.sampled_from([0.2, 0.5]))},
                "gaps": {draw(gap): draw(st.sampled_from([0.1, 0.4]))},
            }
        }
    if family == "diversify":
        scope = {"sector": draw(st.sampled_from(SECTORS))} if draw(st.booleans()) else {"gap": draw(gap)}
        bounds = draw(
            st.sampled_from(
                [{"min_partners": 2}, {"max_partner_share": 0.6}, {"min_partners": 1, "max_partner_share": 0.8}]
            )
        )
        return {"diversify": [{**scope, **bounds}]}
    if family == "risk":
        return {
            "risk": {
                "max_total": draw(st.sampled_from([0.5, 1.0, 1.5])),
                "max_per_bloc": {"B": draw(st.sampled_from([0.3, 0.8]))},
                "max_per_partner": {"p0": 0.5},
            }
        }
    if family == "diminishing_returns":
        first = draw(st.sampled_from([0.5, 0.6, 0.8, 0.9]))
        return {
            "diminishing_returns": [
                {"gaps": [draw(gap)], "segments": [{"upto": 0.5, "value": first}, {"upto": 1.0, "value": 1 - first}]}
            ]
        }
    if family == "standards_bonus":
        return {
            "standards_bonus": [
                {
                    "sector": draw(st.sampled_from(SECTORS)),
                    "min_partners": draw(st.integers(1, 2)),
                    "bonus": draw(st.sampled_from([0.3, 1.0, 2.5])),
                }
            ]
        }
    if family == "phasing":
        return {
            "phasing": {
                "start": 2027,
                "end": 2027 + draw(st.integers(0, 1)),
                "per_year": {"budget_musd": draw(st.integers(3, 10)), "diplomatic_capacity": draw(st.integers(1, 3))},
                "spread": draw(st.sampled_from([[], ["budget_musd"]])),
                "value": draw(st.sampled_from(["end", "horizon"])),
            }
        }
    if family == "resilience":
        return {
            "resilience": {
                "fraction": draw(st.sampled_from([0.2, 0.5])),
                **draw(st.sampled_from([{}, {"gaps": ["g0"]}])),
            }
        }
    if family == "replan":  # a top-level section; scenario_of lifts it out of rules
        rule = {"incumbent": ids(draw, inst, 0, 4)}
        rule.update(
            draw(
                st.sampled_from(
                    [
                        {"max_changes": draw(st.integers(0, 3))},
                        {"max_dropped": draw(st.integers(0, 2))},
                        {"max_added": draw(st.integers(0, 2))},
                        {"drop_cost": {"budget_musd": draw(st.integers(1, 3))}},
                        {"drop_cost": {"budget_musd": "duration_years"}, "max_changes": 2},
                        {"max_dropped": 1, "max_added": 1, "drop_cost": {"diplomatic_capacity": 1}},
                    ]
                )
            )
        )
        return {"replan": rule}
    raise AssertionError(f"no generator for {family}")


TOP_LEVEL = ("replan",)  # families whose section is at the scenario's top level, not under rules:


def scenario_of(inst, rules):
    top = {k: v for k, v in rules.items() if k in TOP_LEVEL}
    rules = {k: v for k, v in rules.items() if k not in TOP_LEVEL}
    cfg = parse_config(
        {
            "name": "prop",
            "inputs": ".",
            "objective": {"risk_penalty": inst["risk_penalty"]},
            "limits": {"budget_musd": inst["budget"]},
            "rules": rules,
            **top,
        },
        "prop.yaml",
    )
    frame = lambda rows: pd.DataFrame([{k: str(v) for k, v in r.items()} for r in rows], dtype=str)  # noqa: E731
    tables = {
        "partners": frame([{"partner_id": p, "name": p, "region": r, "bloc": b} for p, r, b in PARTNERS]),
        "sectors": frame([{"sector_id": s, "name": s} for s in SECTORS]),
        "gaps": frame([{**g, "name": g["gap_id"]} for g in inst["gaps"]]),
        "options": frame(inst["options"]),
        "contributions": frame(inst["contributions"]),
    }
    raw = RawInputs(cfg, Path("prop.yaml"), Path("."), tables, {k: f"{k}.csv" for k in tables}, "sha")
    try:
        return validate(raw)
    except InputError:
        assume(False)


# ---- an independent reading of each rule ------------------------------------------------------


def _matches(o, sel, partners):
    region = {p: r for p, r, _ in partners}
    blocs = {p: b.split("|") for p, _, b in partners}
    checks = {
        "options": lambda v: o["option_id"] in v,
        "partner": lambda v: o["partner_id"] in v,
        "sector": lambda v: o["sector_id"] in v,
        "kind": lambda v: o["kind"] in v,
        "bloc": lambda v: bool(set(v) & set(blocs[o["partner_id"]])),
        "region": lambda v: region[o["partner_id"]] in v,
    }
    return all(checks[k](v if isinstance(v, list) else [v]) for k, v in sel.items())


def judge(inst, rules, chosen: set[str], start: dict[str, int]) -> float | None:
    """The objective of a portfolio if it obeys every rule (None if it breaks one)."""
    opts = {o["option_id"]: o for o in inst["options"]}
    sel = [opts[o] for o in chosen]
    gaps = {g["gap_id"]: g for g in inst["gaps"]}
    raw = {g: 0.0 for g in gaps}
    for c in inst["contributions"]:
        if c["option_id"] in chosen:
            raw[c["gap_id"]] += c["amount"]
    cov = {g: min(gaps[g]["size"], raw[g]) for g in gaps}
    if sum(o["budget_musd"] for o in sel) > inst["budget"] + TOL:
        return None
    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    if any(o not in chosen for o in rules.get("require", [])) or any(o in chosen for o in rules.get("forbid", [])):
        return None
    for r in rules.get("requires", []):
        for a in as_list(r["option"]):
            if a in chosen:
                need = [b for b in as_list(r.get("needs", r.get("needs_any"))) if b != a]
                if "needs" in r and not all(b in chosen for b in need):
                    return None
                if "needs_any" in r and not any(b in chosen for b in need):
                    return None
    for r in rules.get("excludes", []):
        if len(chosen & set(r["options"])) > r["at_most"]:
            return None
    for r in rules.get("groups", []):
        members = [o for o in sel if _matches(o, r["select"], PARTNERS)]
        if len(members) > r.get("max_options", 99) or len(members) < r.get("min_options", 0):
            return None
        used = sum(o["budget_musd"] for o in members)
        if (
            used > r.get("max_use", {}).get("budget_musd", 1e9) + TOL
            or used < r.get("min_use", {}).get("budget_musd", 0) - TOL
        ):
            return None
    if "max_options" in rules:
        for p, _, _ in PARTNERS:
            cap = rules["max_options"]["partners"].get(p, rules["max_options"]["default"])
            if sum(1 for o in sel if o["partner_id"] == p) > cap:
                return None
    rp = rules.get("replan")
    if rp:
        inc = set(rp["incumbent"])
        dropped, added = inc - chosen, chosen - inc
        if (
            len(dropped) + len(added) > rp.get("max_changes", 99)
            or len(dropped) > rp.get("max_dropped", 99)
            or len(added) > rp.get("max_added", 99)
        ):
            return None
        cost = rp.get("drop_cost", {}).get("budget_musd")  # the only limited resource here
        if cost is not None:
            leaving = sum(opts[o][cost] if isinstance(cost, str) else cost for o in dropped)
            if sum(o["budget_musd"] for o in sel) + leaving > inst["budget"] + TOL:
                return None
    size = lambda g: gaps[g]["size"]  # noqa: E731
    mf = rules.get("min_fraction", {})
    for s, f in mf.get("sectors", {}).items():
        in_s = [g for g in gaps if gaps[g]["sector_id"] == s]
        if sum(cov[g] for g in in_s) < f * sum(size(g) for g in in_s) - TOL:
            return None
    for g, f in mf.get("gaps", {}).items():
        if cov[g] < f * size(g) - TOL:
            return None
    for r in rules.get("diversify", []):
        scope = [r["gap"]] if "gap" in r else [g for g in gaps if gaps[g]["sector_id"] == r["sector"]]
        by_p: dict[str, float] = {}
        for c in inst["contributions"]:
            if c["option_id"] in chosen and c["gap_id"] in scope:
                p = opts[c["option_id"]]["partner_id"]
                by_p[p] = by_p.get(p, 0) + c["amount"]
        if len(by_p) < r.get("min_partners", 0):
            return None
        if "max_partner_share" in r and any(
            v > r["max_partner_share"] * sum(by_p.values()) + TOL for v in by_p.values()
        ):
            return None
    risk = rules.get("risk")
    if risk:
        blocs = {p: b.split("|") for p, _, b in PARTNERS}
        if sum(o["risk"] for o in sel) > risk["max_total"] + TOL:
            return None
        for b, cap in risk["max_per_bloc"].items():
            if sum(o["risk"] for o in sel if b in blocs[o["partner_id"]]) > cap + TOL:
                return None
        for p, cap in risk["max_per_partner"].items():
            if sum(o["risk"] for o in sel if o["partner_id"] == p) > cap + TOL:
                return None
    res = rules.get("resilience")
    if res:
        protected = res.get("gaps") or [g for g in gaps if gaps[g]["critical"]]
        for g in protected:
            for p, _, _ in PARTNERS:
                left = sum(
                    c["amount"]
                    for c in inst["contributions"]
                    if c["gap_id"] == g and c["option_id"] in chosen and opts[c["option_id"]]["partner_id"] != p
                )
                if min(size(g), left) < res["fraction"] * size(g) - TOL:
                    return None
    ph = rules.get("phasing")
    years = [2027] if not ph else list(range(ph["start"], ph["end"] + 1))
    if ph:
        for t, y in enumerate(years):
            for res_name, cap in ph["per_year"].items():
                spent = 0.0
                for o in sel:
                    s = start[o["option_id"]]
                    if res_name in ph["spread"]:
                        d = o["duration_years"]
                        spent += o[res_name] / d if s <= y < s + d else 0
                    else:
                        spent += o[res_name] if s == y else 0
                if spent > cap + TOL:
                    return None
    # objective: Σ_g w·f(fraction) (mean over years under value: horizon) − penalty·risk + bonuses
    segs = {}
    for r in rules.get("diminishing_returns", []):
        for g in r["gaps"]:
            segs[g] = r["segments"]

    def value(covered):
        total = 0.0
        for g, c in covered.items():
            frac, lo, v = c / size(g), 0.0, 0.0
            if g in segs:
                for seg in segs[g]:
                    width = seg["upto"] - lo
                    v += seg["value"] / width * min(max(frac - lo, 0.0), width)
                    lo = seg["upto"]
            else:
                v = frac
            total += gaps[g]["weight"] * v
        return total

    if ph and ph["value"] == "horizon":
        per_year = []
        for y in years:
            on = {o["option_id"] for o in sel if start[o["option_id"]] <= y}
            raw_y = {
                g: sum(c["amount"] for c in inst["contributions"] if c["gap_id"] == g and c["option_id"] in on)
                for g in gaps
            }
            per_year.append(value({g: min(size(g), raw_y[g]) for g in gaps}))
        objective = sum(per_year) / len(per_year)
    else:
        objective = value(cov)
    objective -= inst["risk_penalty"] * sum(o["risk"] for o in sel)
    for r in rules.get("standards_bonus", []):
        partners = {o["partner_id"] for o in sel if o["sector_id"] == r["sector"] and o["kind"] == "standards"}
        if len(partners) >= r["min_partners"]:
            objective += r["bonus"]
    return objective


def brute_force(inst, rules) -> float | None:
    ids_ = [o["option_id"] for o in inst["options"]]
    ph = rules.get("phasing")
    years = [2027] if not ph else list(range(ph["start"], ph["end"] + 1))
    best = None
    for plan in itertools.product([None, *years], repeat=len(ids_)):
        chosen = {o for o, y in zip(ids_, plan) if y is not None}
        if not ph and any(y not in (None, 2027) for y in plan):
            continue
        value = judge(inst, rules, chosen, {o: y for o, y in zip(ids_, plan) if y is not None})
        if value is not None and (best is None or value > best + 1e-12):
            best = value
    return best


@pytest.mark.slow
@pytest.mark.parametrize("family", family_names())
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_family_matches_brute_force(family, data):
    inst = data.draw(instances(max_options=5 if family == "phasing" else 8))
    rules = rule_for(family, data.draw, inst)
    sc = scenario_of(inst, rules)
    best = brute_force(inst, rules)
    model = build(sc)
    outcome = solve_model(model, time_limit=30, mip_gap=0.0)
    if best is None:
        assert outcome.status == "infeasible"
        return
    assert outcome.status == "optimal"
    chosen = {o for o, v in zip(sc.options.index, outcome.x) if v}
    start = {o: int(y) for o, y in zip(sc.options.index, outcome.start_year)} if outcome.start_year is not None else {}
    mine = judge(inst, rules, chosen, start)
    assert mine is not None, f"solver portfolio {sorted(chosen)} {start} breaks {rules}"
    assert mine == pytest.approx(best, abs=1e-6)
    ev = evaluate(sc, outcome.x, outcome.start_year)
    assert ev.objective == pytest.approx(mine, abs=1e-6)
    assert ev.objective == pytest.approx(outcome.objective_solver, abs=1e-6)


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_families_combined_match_brute_force(data):
    families = data.draw(st.lists(st.sampled_from(family_names()), min_size=2, max_size=4, unique=True))
    inst = data.draw(instances(max_options=5 if "phasing" in families else 7))
    rules: dict = {}
    for family in families:
        rules.update(rule_for(family, data.draw, inst))
    sc = scenario_of(inst, rules)
    best = brute_force(inst, rules)
    outcome = solve_model(build(sc), time_limit=30, mip_gap=0.0)
    if best is None:
        assert outcome.status == "infeasible"
        return
    assert outcome.status == "optimal"
    chosen = {o for o, v in zip(sc.options.index, outcome.x) if v}
    start = {o: int(y) for o, y in zip(sc.options.index, outcome.start_year)} if outcome.start_year is not None else {}
    assert judge(inst, rules, chosen, start) == pytest.approx(best, abs=1e-6)
    assert evaluate(sc, outcome.x, outcome.start_year).objective == pytest.approx(outcome.objective_solver, abs=1e-6)
