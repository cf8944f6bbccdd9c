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
  rule `rules=True` states holds for that set (see `draw_more_rules`).
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
import yaml
from numpy.typing import NDArray

from planner.errors import InputError, Problem
from planner.inputs.generate_draws import (
    BLOCS,
    KIND_NAMES,
    REGIONS,
    Commitments,
    FloatArray,
    Layout,
    Options,
    RulesCfg,
    draw_contributions,
    draw_layout,
    draw_more_rules,
    draw_options,
    draw_targets,
)
from planner.io.numbers import fmt_data
from planner.io.runfolder import replace_dir

Rows = list[list[str]]  # a table: the header row, then the data rows
Tables = dict[str, Rows]
Limits = dict[str, float]


@dataclass(frozen=True)
class Generated:
    """What `generate` wrote."""

    name: str
    scenario_file: Path
    inputs_dir: Path
    counts: dict[str, int]
    limits: dict[str, float]
    targets: int
    rules: RulesCfg = field(default_factory=dict)


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


def _tables(options: int, gaps: int, seed: int, resources: int, rules: bool) -> tuple[Tables, Limits, RulesCfg, int]:
    """All tables as lists of rows (first row the header), the limits, the rules and the target count.

    The draws from `rng` happen in one fixed order (the steps below): the same seed gives the same files."""
    rng = np.random.default_rng(seed)
    lay = draw_layout(rng, options, gaps)
    opt = draw_options(rng, lay, options, resources)
    con = draw_contributions(rng, lay, opt, options, gaps)
    offered = np.bincount(con.gap, weights=con.amt, minlength=gaps)
    size = np.maximum(1.0, np.round(offered * rng.uniform(0.25, 0.55, gaps), 1))
    gap_w = np.round(rng.uniform(0.5, 3.0, gaps), 2)
    limits = {n: float(max(1.0, round(frac * float(opt.use[n].sum())))) for n, frac in opt.res_names}

    # Commit options for targets (and requires) inside half of every limit: feasible by construction.
    commitments = Commitments(opt.use, limits)
    rules_cfg: dict[str, list[int]] = {}
    if rules:
        cheap = np.argsort(opt.budget, kind="stable")[: max(3, options // 20)]
        require = [int(i) for i in rng.choice(cheap, min(3, len(cheap)), replace=False) if commitments.commit(int(i))]
        rules_cfg["require"] = sorted(require)
    target, critical = draw_targets(rng, commitments, opt, con, size, gaps)
    committed = commitments.committed
    if rules:
        free = np.setdiff1d(np.arange(options), np.array(sorted(committed), dtype=int))
        rules_cfg["forbid"] = sorted(
            int(i) for i in rng.choice(free, min(len(free), max(1, options // 100)), replace=False)
        )
    opt_ids = _option_ids(lay, opt)
    tables: Tables = {
        "partners": _partner_rows(rng, lay, opt, committed, rules),
        "sectors": [["sector_id", "name", "weight"]]
        + [[sid, sname, fmt_data(w)] for (sid, sname), w in zip(lay.sectors, lay.sector_w)],
        "gaps": _gap_rows(lay, size, gap_w, target, critical),
        "options": _option_rows(lay, opt, opt_ids),
        "contributions": [["option_id", "gap_id", "amount"]]
        + [
            [opt_ids[i], lay.gap_ids[g], fmt_data(a)]
            for i, g, a in zip(con.opt.tolist(), con.gap.tolist(), con.amt.tolist())
        ],
    }
    rules_out: RulesCfg = {k: [opt_ids[i] for i in v] for k, v in rules_cfg.items()}
    if rules:
        taken = committed | set(rules_cfg["forbid"])
        rules_out.update(
            draw_more_rules(
                rng,
                taken,
                committed,
                opt_ids,
                opt.part,
                opt.sec,
                opt.kind,
                lay.part_risk[opt.part],
                KIND_NAMES,
                lay.sectors,
            )
        )
    return tables, limits, rules_out, int(np.isfinite(target).sum())


def _option_ids(lay: Layout, opt: Options) -> list[str]:
    """Option ids read like the shipped baseline's: partner-sector-kind, numbered on repeats."""
    opt_ids: list[str] = []
    seen: dict[str, int] = {}
    for p, s, k in zip(opt.part.tolist(), opt.sec.tolist(), opt.kind.tolist()):
        base = f"{lay.part_ids[p]}-{lay.sectors[s][0]}-{KIND_NAMES[k]}"
        seen[base] = seen.get(base, 0) + 1
        opt_ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return opt_ids


def _partner_rows(rng: np.random.Generator, lay: Layout, opt: Options, committed: set[int], rules: bool) -> Rows:
    """partners.csv: region and bloc drawn per partner; with rules, a max_options cap that leaves
    room for every committed option."""
    n_part = len(lay.part_ids)
    part_regions = rng.integers(0, len(REGIONS), n_part)
    part_blocs = rng.integers(0, len(BLOCS), n_part)
    partners = [["partner_id", "name", "region", "bloc", "risk"] + (["max_options"] if rules else [])]
    per_partner = np.bincount(opt.part, minlength=n_part)
    need = (
        np.bincount(opt.part[np.array(sorted(committed), dtype=int)], minlength=n_part)
        if committed
        else np.zeros(n_part, int)
    )
    for p in range(n_part):
        row = [
            lay.part_ids[p],
            f"Partner {p + 1:03d}",
            REGIONS[part_regions[p]],
            BLOCS[part_blocs[p]],
            fmt_data(lay.part_risk[p]),
        ]
        if rules:
            row.append(str(int(max(need[p], math.ceil(0.1 * per_partner[p]) + 1))))
        partners.append(row)
    return partners


def _gap_rows(
    lay: Layout, size: FloatArray, gap_w: FloatArray, target: FloatArray, critical: NDArray[np.bool_]
) -> Rows:
    """gaps.csv."""
    sectors, gap_sector, gap_ids = lay.sectors, lay.gap_sector, lay.gap_ids
    return [["gap_id", "sector_id", "name", "size", "weight", "target", "critical"]] + [
        [
            gap_ids[j],
            sectors[gap_sector[j]][0],
            f"{sectors[gap_sector[j]][1]} gap {gap_ids[j].rsplit('-', 1)[1]}",
            fmt_data(size[j], 1),
            fmt_data(gap_w[j]),
            "" if math.isnan(target[j]) else fmt_data(target[j], 1),
            "true" if critical[j] else "false",
        ]
        for j in range(len(gap_ids))
    ]


def _option_rows(lay: Layout, opt: Options, opt_ids: list[str]) -> Rows:
    """options.csv."""
    sectors = lay.sectors
    return [["option_id", "partner_id", "sector_id", "kind", "name", *opt.cols]] + [
        [
            opt_ids[i],
            lay.part_ids[opt.part[i]],
            sectors[opt.sec[i]][0],
            KIND_NAMES[opt.kind[i]],
            f"Partner {opt.part[i] + 1:03d} {sectors[opt.sec[i]][1].lower()} {KIND_NAMES[opt.kind[i]]}",
            *(fmt_data(opt.use[c][i], 1) for c in opt.cols),
        ]
        for i in range(len(opt_ids))
    ]


def _scenario_yaml(
    name: str, options: int, gaps: int, seed: int, resources: int, rules: RulesCfg, limits: Limits
) -> str:
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
    with replace_dir(inputs_dir) as tmp:  # inputs, not a run folder: no marker (the check above decides)
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
