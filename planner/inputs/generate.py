"""Synthetic scenarios of any size, reproducible from a seed.

`generate(out_dir, options=N, gaps=G, seed=S)` writes `out_dir/models/<name>.yaml` and
`out_dir/inputs/<name>/*.csv`. Same arguments give byte-identical files (numpy
`default_rng(seed)`, fixed number formatting, no timestamps).

Structure (what makes the instances realistic rather than uniform noise):
- sectors (real technology areas) each own a share of the gaps; partners have a Zipf-like
  weight (a few partners offer many options) and a per-sector strength;
- each option is one partner × sector × kind and covers 1–3 gaps: the first in its own
  sector, further ones in its own sector with probability 0.8, else in another sector;
- costs are heterogeneous: kind profile × partner cost factor × lognormal noise, so the
  amount bought per dollar varies by an order of magnitude between options;
- a gap's size is 25–55 % of everything offered to it, so a handful of options close it
  and piling more on earns nothing; every gap has a contributor (while gaps ≤ 3 × options);
- limits are 10–20 % of the total use of each resource, so every limit binds;
- about 5 % of gaps are critical and get a target. Feasibility is guaranteed by
  construction: the targets (and, with `rules=True`, the required options) are met by a
  committed set of options whose use stays within half of every limit, and every other
  rule `rules=True` states holds for that set (see `_more_rules`).
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner.errors import InputError, Problem
from planner.io.numbers import fmt_data

SECTORS = (
    ("ai", "Artificial intelligence"),
    ("semis", "Semiconductors"),
    ("quantum", "Quantum technologies"),
    ("robotics-drones", "Robotics and drones"),
    ("cyber", "Cybersecurity"),
    ("minerals", "Critical minerals and rare earths"),
    ("biotech", "Biotechnology"),
    ("space", "Space systems"),
    ("telecom", "Advanced telecommunications"),
    ("batteries", "Batteries and energy storage"),
    ("nuclear", "Advanced nuclear"),
    ("materials", "Advanced materials"),
    ("hypersonics", "Hypersonics"),
    ("undersea", "Undersea systems"),
    ("photonics", "Photonics"),
    ("pnt", "Positioning, navigation and timing"),
    ("cloud", "Cloud and compute infrastructure"),
    ("shipbuilding", "Shipbuilding"),
    ("munitions", "Munitions production"),
    ("pharma", "Pharmaceutical supply chains"),
)
REGIONS = ("Indo-Pacific", "Europe", "Middle East", "Americas", "Africa", "Central Asia")
BLOCS = ("NATO", "Quad", "AUKUS", "EU", "GCC", "G7", "")
# kind: (cost factor, diplomatic-capacity base, primary amount factor, P(1, 2, 3 gaps covered))
KINDS = {
    "co-development": (3.0, 3.0, 2.2, (0.55, 0.35, 0.10)),
    "buyer": (1.5, 2.0, 1.3, (0.70, 0.25, 0.05)),
    "supply-chain": (2.0, 2.0, 1.6, (0.45, 0.40, 0.15)),
    "standards": (0.3, 1.0, 0.5, (0.25, 0.40, 0.35)),
    "joint-rd": (1.0, 2.0, 1.0, (0.50, 0.35, 0.15)),
}
# resource name, limit as a fraction of its total use over all options
RESOURCES = (("budget_musd", 0.10), ("diplomatic_capacity", 0.12), ("negotiators", 0.15), ("summit_slots", 0.20))
TARGET_SHARE = 0.05  # share of gaps that are critical and carry a target
COMMIT_SHARE = 0.5  # committed options (targets, requires) use at most this share of each limit


@dataclass(frozen=True)
class Generated:
    """What `generate` wrote."""

    name: str
    scenario_file: Path
    inputs_dir: Path
    counts: dict[str, int]
    limits: dict[str, float]
    targets: int
    rules: dict = field(default_factory=dict)


def default_name(options: int, gaps: int, seed: int, resources: int, rules: bool) -> str:
    return (
        f"synthetic-n{options}-g{gaps}-s{seed}"
        + (f"-r{resources}" if resources != 2 else "")
        + ("-rules" if rules else "")
    )


def _check_args(options: int, gaps: int, resources: int, name: str) -> None:
    problems = []
    if options < 1:
        problems.append(Problem(file="--options", value=options, message="must be a whole number ≥ 1"))
    if gaps < 1:
        problems.append(Problem(file="--gaps", value=gaps, message="must be a whole number ≥ 1"))
    if resources < 1:
        problems.append(Problem(file="--resources", value=resources, message="must be a whole number ≥ 1"))
    if not name or any(not (ch.isalnum() or ch in "_.-") for ch in name) or name.startswith("."):
        problems.append(
            Problem(file="--name", value=name, message="use letters, digits, '_', '-' and '.' only (it names files)")
        )
    if problems:
        raise InputError(problems)


def _resource_names(k: int) -> list[tuple[str, float]]:
    named = list(RESOURCES[:k])
    named += [(f"resource_{i + 1}", 0.15) for i in range(len(named), k)]
    return named


def _tables(options: int, gaps: int, seed: int, resources: int, rules: bool) -> tuple[dict, dict, dict, int]:
    """All tables as lists of rows (first row the header), the limits, the rules and the target count."""
    rng = np.random.default_rng(seed)
    n_sec = max(1, min(len(SECTORS), gaps, max(2, gaps // 8)))
    n_part = int(min(80, max(3, round(math.sqrt(options) / 2))))
    sectors = [SECTORS[i] if i < len(SECTORS) else (f"sector-{i + 1}", f"Sector {i + 1}") for i in range(n_sec)]
    sector_w = np.round(rng.uniform(0.8, 1.6, n_sec), 2)

    # Gaps: every sector gets at least one; gaps listed sector by sector.
    gap_sector = np.sort(np.concatenate([np.arange(n_sec), rng.integers(0, n_sec, gaps - n_sec)]))
    gap_ids, gap_rows_of_sector = [], [[] for _ in range(n_sec)]
    for j, s in enumerate(gap_sector.tolist()):
        gap_rows_of_sector[s].append(j)
        gap_ids.append(f"{sectors[s][0]}-gap-{len(gap_rows_of_sector[s]):03d}")

    # Partners: Zipf-like weight (who offers many options), cost factor, per-sector strength.
    part_ids = [f"p{i + 1:03d}" for i in range(n_part)]
    part_w = 1.0 / np.arange(1, n_part + 1) ** 0.8
    part_w = rng.permutation(part_w / part_w.sum())
    part_cost = rng.lognormal(0.0, 0.3, n_part)
    part_dip = rng.uniform(0.7, 1.5, n_part)
    part_risk = np.round(rng.beta(2, 6, n_part), 2)
    strength = rng.lognormal(0.0, 0.5, (n_part, n_sec))

    kinds = list(KINDS)
    o_part = rng.choice(n_part, options, p=part_w)
    o_sec = rng.choice(n_sec, options, p=sector_w / sector_w.sum())
    o_kind = rng.integers(0, len(kinds), options)
    k_cost, k_dip, k_amt, k_cover = (np.array([KINDS[k][i] for k in kinds]) for i in range(4))
    budget = np.maximum(1.0, np.round(100 * k_cost[o_kind] * part_cost[o_part] * rng.lognormal(0, 0.5, options), 1))
    dip = np.clip(np.round(k_dip[o_kind] * part_dip[o_part] + rng.normal(0, 0.5, options)), 1, 6)
    res_names = _resource_names(resources)
    use = {"budget_musd": budget, "diplomatic_capacity": dip}
    for name, _ in res_names:
        if name == "negotiators":
            use[name] = rng.integers(0, 4, options).astype(float)
        elif name == "summit_slots":
            use[name] = (rng.random(options) < 0.3).astype(float)
        elif name not in use:
            use[name] = np.round(10 * rng.lognormal(0, 0.6, options), 1)
    cols = [n for n, _ in res_names] + (["budget_musd"] if "budget_musd" not in dict(res_names) else [])

    # Contributions: 1–3 distinct gaps per option, the first in its own sector.
    n_cover = np.array([rng.choice(3, p=k_cover[k]) + 1 for k in o_kind.tolist()])
    primary = (rng.random(options) * np.array([len(gap_rows_of_sector[s]) for s in o_sec.tolist()])).astype(int)
    base_amt = 10 * k_amt[o_kind] * strength[o_part, o_sec] * rng.lognormal(0, 0.4, options)
    c_opt, c_gap, c_amt = [], [], []
    for i in range(options):
        own = gap_rows_of_sector[o_sec[i]]
        chosen = [own[primary[i]]]
        for _ in range(n_cover[i] - 1):
            pool = own if (rng.random() < 0.8 and len(own) > len(chosen)) else range(gaps)
            g = int(pool[int(rng.integers(0, len(pool)))])
            if g not in chosen:
                chosen.append(g)
        for r, g in enumerate(chosen):
            c_opt.append(i)
            c_gap.append(g)
            c_amt.append(base_amt[i] * (1.0 if r == 0 else rng.uniform(0.2, 0.6)))
    covered_by = np.bincount(np.array(c_gap), minlength=gaps)
    n_made = np.bincount(np.array(c_opt), minlength=options)
    for g in np.flatnonzero(covered_by == 0).tolist():  # nobody offered anything: an option of its sector does
        free = n_made < 3
        same = np.flatnonzero((o_sec == gap_sector[g]) & free)
        pool = same if len(same) else np.flatnonzero(free)
        if not len(pool):  # more gaps than 3 × options: these gaps stay out of reach
            continue
        i = int(pool[rng.integers(0, len(pool))])
        n_made[i] += 1
        c_opt.append(i)
        c_gap.append(g)
        c_amt.append(base_amt[i] * rng.uniform(0.2, 0.6))
    c_opt_a, c_gap_a = np.array(c_opt), np.array(c_gap)
    c_amt_a = np.maximum(0.01, np.round(np.array(c_amt), 2))
    order = np.lexsort((c_gap_a, c_opt_a))
    c_opt_a, c_gap_a, c_amt_a = c_opt_a[order], c_gap_a[order], c_amt_a[order]

    offered = np.bincount(c_gap_a, weights=c_amt_a, minlength=gaps)
    size = np.maximum(1.0, np.round(offered * rng.uniform(0.25, 0.55, gaps), 1))
    gap_w = np.round(rng.uniform(0.5, 3.0, gaps), 2)
    limits = {n: float(max(1.0, round(frac * float(use[n].sum())))) for n, frac in res_names}

    # Commit options for targets (and requires) inside half of every limit: feasible by construction.
    spent = {n: 0.0 for n in limits}
    committed: set[int] = set()

    def commit(i: int) -> bool:
        if i in committed:
            return True
        if any(spent[n] + use[n][i] > COMMIT_SHARE * limits[n] for n in limits):
            return False
        for n in limits:
            spent[n] += use[n][i]
        committed.add(i)
        return True

    rules_cfg: dict = {}
    if rules:
        cheap = np.argsort(budget, kind="stable")[: max(3, options // 20)]
        require = [int(i) for i in rng.choice(cheap, min(3, len(cheap)), replace=False) if commit(int(i))]
        rules_cfg["require"] = sorted(require)
    target = np.full(gaps, np.nan)
    critical = np.zeros(gaps, dtype=bool)
    critical[rng.choice(gaps, max(1, int(round(TARGET_SHARE * gaps))), replace=False)] = True
    best = {}  # gap -> (amount per budget, option, amount)
    for i, g, a in zip(c_opt_a.tolist(), c_gap_a.tolist(), c_amt_a.tolist()):
        if critical[g] and (g not in best or a / budget[i] > best[g][0]):
            best[g] = (a / budget[i], i, a)
    for g in np.flatnonzero(critical).tolist():
        if g in best and commit(best[g][1]):
            target[g] = math.floor(10 * min(best[g][2], size[g]) * 0.8) / 10
    if rules:
        free = np.setdiff1d(np.arange(options), np.array(sorted(committed), dtype=int))
        rules_cfg["forbid"] = sorted(
            int(i) for i in rng.choice(free, min(len(free), max(1, options // 100)), replace=False)
        )

    # Option ids read like the shipped baseline's: partner-sector-kind, numbered on repeats.
    opt_ids, seen = [], {}
    for p, s, k in zip(o_part.tolist(), o_sec.tolist(), o_kind.tolist()):
        base = f"{part_ids[p]}-{sectors[s][0]}-{kinds[k]}"
        seen[base] = seen.get(base, 0) + 1
        opt_ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")

    part_regions = rng.integers(0, len(REGIONS), n_part)
    part_blocs = rng.integers(0, len(BLOCS), n_part)
    partners = [["partner_id", "name", "region", "bloc", "risk"] + (["max_options"] if rules else [])]
    per_partner = np.bincount(o_part, minlength=n_part)
    need = (
        np.bincount(o_part[np.array(sorted(committed), dtype=int)], minlength=n_part)
        if committed
        else np.zeros(n_part, int)
    )
    for p in range(n_part):
        row = [
            part_ids[p],
            f"Partner {p + 1:03d}",
            REGIONS[part_regions[p]],
            BLOCS[part_blocs[p]],
            fmt_data(part_risk[p]),
        ]
        if rules:
            row.append(str(int(max(need[p], math.ceil(0.1 * per_partner[p]) + 1))))
        partners.append(row)
    tables = {
        "partners": partners,
        "sectors": [["sector_id", "name", "weight"]]
        + [[sid, sname, fmt_data(w)] for (sid, sname), w in zip(sectors, sector_w)],
        "gaps": [["gap_id", "sector_id", "name", "size", "weight", "target", "critical"]]
        + [
            [
                gap_ids[j],
                sectors[gap_sector[j]][0],
                f"{sectors[gap_sector[j]][1]} gap {gap_ids[j].rsplit('-', 1)[1]}",
                fmt_data(size[j], 1),
                fmt_data(gap_w[j]),
                "" if math.isnan(target[j]) else fmt_data(target[j], 1),
                "true" if critical[j] else "false",
            ]
            for j in range(gaps)
        ],
        "options": [["option_id", "partner_id", "sector_id", "kind", "name", *cols]]
        + [
            [
                opt_ids[i],
                part_ids[o_part[i]],
                sectors[o_sec[i]][0],
                kinds[o_kind[i]],
                f"Partner {o_part[i] + 1:03d} {sectors[o_sec[i]][1].lower()} {kinds[o_kind[i]]}",
                *(fmt_data(use[c][i], 1) for c in cols),
            ]
            for i in range(options)
        ],
        "contributions": [["option_id", "gap_id", "amount"]]
        + [
            [opt_ids[i], gap_ids[g], fmt_data(a)]
            for i, g, a in zip(c_opt_a.tolist(), c_gap_a.tolist(), c_amt_a.tolist())
        ],
    }
    rules_out = {k: [opt_ids[i] for i in v] for k, v in rules_cfg.items()}
    if rules:
        taken = committed | set(rules_cfg["forbid"])
        rules_out.update(
            _more_rules(rng, taken, committed, opt_ids, o_part, o_sec, o_kind, part_risk[o_part], kinds, sectors)
        )
    return tables, limits, rules_out, int(np.isfinite(target).sum())


def _more_rules(
    rng, taken: set[int], committed: set[int], opt_ids: list[str], o_part, o_sec, o_kind, o_risk, kinds, sectors
) -> dict:
    """requires, excludes, a group cap, a risk cap, diminishing returns and a standards bonus.

    All hold for the committed options (none of which is in a requires or excludes rule; the
    group and risk caps are at least what they use), so the scenario stays feasible.
    """
    n = len(opt_ids)
    free = np.setdiff1d(np.arange(n), np.array(sorted(taken), dtype=int))
    k = min(len(free) // 4, max(1, n // 250))
    picks = rng.choice(free, 4 * k, replace=False).tolist() if k else []
    requires = [{"option": opt_ids[a], "needs": opt_ids[b]} for a, b in zip(picks[0:k], picks[k : 2 * k])]
    excludes = [[opt_ids[a], opt_ids[b]] for a, b in zip(picks[2 * k : 3 * k], picks[3 * k : 4 * k])]
    codev = kinds.index("co-development")
    in_codev = o_kind == codev
    need = sum(1 for i in committed if in_codev[i])
    committed_risk = float(sum(o_risk[i] for i in committed))
    sector = sectors[int(rng.integers(0, len(sectors)))][0]
    standards = o_kind == kinds.index("standards")
    aligners = [len(set(o_part[standards & (o_sec == j)].tolist())) for j in range(len(sectors))]
    best = int(np.argmax(aligners))
    out: dict = {
        "requires": requires,
        "excludes": excludes,
        "groups": [
            {
                "name": "co-development-cap",
                "select": {"kind": "co-development"},
                "max_options": int(max(need, math.ceil(0.08 * in_codev.sum()))),
            }
        ]
        if in_codev.any()
        else [],
        "risk": {"max_total": round(max(2 * committed_risk, 0.04 * float(o_risk.sum())), 2)},
        "diminishing_returns": [
            {"sectors": [sector], "segments": [{"upto": 0.5, "value": 0.7}, {"upto": 1.0, "value": 0.3}]}
        ],
        "standards_bonus": [{"sector": sectors[best][0], "min_partners": min(3, aligners[best]), "bonus": 1.0}]
        if aligners[best]
        else [],
    }
    return {key: value for key, value in out.items() if value}


def _scenario_yaml(name: str, options: int, gaps: int, seed: int, resources: int, rules: dict, limits: dict) -> str:
    import yaml

    flags = f"--options {options} --gaps {gaps} --seed {seed} --resources {resources}" + (" --rules" if rules else "")
    data = {
        "name": name,
        "description": f"Synthetic scenario from `planner generate {flags}` (random data, not an assessment).",
        "inputs": f"../inputs/{name}",
        "objective": {"sense": "max_coverage", "cost_resource": "budget_musd", "risk_penalty": 0.0},
        "limits": limits,
        "rules": rules,
        "solver": {"backend": "highs", "time_limit_s": 60, "mip_gap": 0.0001},
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def generate(
    out_dir: str | Path,
    options: int,
    gaps: int | None = None,
    seed: int = 0,
    resources: int = 2,
    rules: bool = False,
    name: str | None = None,
    overwrite: bool = False,
) -> Generated:
    """Write a valid synthetic scenario of `options` options and `gaps` gaps (default options/10).

    Raises InputError for bad arguments or if the scenario exists and `overwrite` is false.
    The inputs folder is written into a temporary sibling and renamed into place.
    """
    gaps = max(1, options // 10) if gaps is None else gaps
    name = name or default_name(options, gaps, seed, resources, rules)
    _check_args(options, gaps, resources, name)
    out = Path(out_dir)
    model_file = out / "models" / f"{name}.yaml"
    inputs_dir = out / "inputs" / name
    if not overwrite and (model_file.exists() or inputs_dir.exists()):
        raise InputError(
            Problem(
                file=str(model_file if model_file.exists() else inputs_dir),
                message="already exists; pass --force to replace it, or choose another --name",
            )
        )
    tables, limits, rules_cfg, n_targets = _tables(options, gaps, seed, resources, rules)
    text = _scenario_yaml(name, options, gaps, seed, resources, rules_cfg, limits)

    from planner.io.runfolder import replace_dir  # inputs, not a run folder: no marker (the check above decides)

    with replace_dir(inputs_dir) as tmp:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; these are ordinary input files
        for table, rows in tables.items():
            with open(tmp / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows)
    model_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=model_file.parent, prefix=f".{model_file.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, model_file)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        shutil.rmtree(inputs_dir, ignore_errors=True)
        raise
    counts = {t: len(rows) - 1 for t, rows in tables.items()}
    return Generated(
        name=name,
        scenario_file=model_file,
        inputs_dir=inputs_dir,
        counts=counts,
        limits=limits,
        targets=n_targets,
        rules=rules_cfg,
    )
