"""Rows carry their meaning as tags, so an id's spelling changes no result.

The same tiny scenario is built twice: once with partner ids p1, p2, p3, once with ids that
contain fragments the planner once read meaning from (`_z_` marked a diversify indicator
row, `_once_` and `link_` phasing definitions). Solve, explain, value and diagnose must give
the same results, sentence for sentence, once the ids are mapped back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis_helpers import read_tables, write_scenario
from planner.analysis.diagnose import describe as describe_diagnosis, diagnose
from planner.analysis.explain import describe as describe_explanation, explain
from planner.analysis.value import describe as describe_values, value_bounds
from planner.analysis.workbench import Workbench
from planner.api import load_scenario, solve
from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.model.core import Role
from planner.model.rules import family_names

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.yaml"
MODELS = Path(__file__).parent.parent / "models"
BASE_FAMILIES = {"link", "limit", "target"}  # planner.model.base
SOURCED = {"limit", "target", "require", "forbid", "risk", "min_fraction", "resilience", "max_options"}

# tiny's partners, renamed in the same sort order both ways (columns are ordered by name)
PLAIN = {"aus": "p1", "jpn": "p2", "uae": "p3"}
TRICKY = {"aus": "a_z_b", "jpn": "b_once_c", "uae": "link_d"}


def _scenario(folder: Path, ids: dict[str, str], rules: dict) -> Path:
    """tiny with partner ids renamed by `ids` and `rules` (written with the renamed ids)."""
    tables, cfg = read_tables(TINY)
    tables["partners"]["partner_id"] = tables["partners"]["partner_id"].map(ids)
    tables["options"]["partner_id"] = tables["options"]["partner_id"].map(ids)
    cfg["rules"] = rules
    return write_scenario(folder, tables, cfg)


def _rules(ids: dict[str, str], **extra) -> dict:
    """Rules whose rows are named after partner ids: diversify (indicator and share rows),
    per-partner caps and risk caps, N-1 resilience (`resilience_<gap>_<partner>`)."""
    return {
        "diversify": [{"sector": "semis", "min_partners": 1}, {"gap": "g2", "max_partner_share": 0.6}],
        "max_options": {"partners": {ids["jpn"]: 2}},
        "risk": {"max_per_partner": {ids["uae"]: 0.5, ids["aus"]: 0.3}},
        "resilience": {"fraction": 0.3, "gaps": ["g2"]},
        **extra,
    }


def _back(ids: dict[str, str]):
    def undo(text: str) -> str:
        for old, new in ids.items():
            text = text.replace(new, PLAIN[old])
        return text

    return undo


def _pair(tmp_path: Path, **extra):
    plain = load_scenario(_scenario(tmp_path / "plain", PLAIN, _rules(PLAIN, **extra)))
    tricky = load_scenario(_scenario(tmp_path / "tricky", TRICKY, _rules(TRICKY, **extra)))
    return plain, tricky


def test_tricky_partner_ids_change_no_row_meaning(tmp_path):
    plain, tricky = _pair(tmp_path)
    a, b = Workbench(plain), Workbench(tricky)
    undo = _back(TRICKY)
    assert [undo(r.name) for r in b.rows] == [r.name for r in a.rows]
    assert [(r.tag.role, r.family) for r in b.rows] == [(r.tag.role, r.family) for r in a.rows]
    assert [undo(r.name) for r in b.bound_rows()] == [r.name for r in a.bound_rows()]
    # the share row of partner a_z_b bounds the plan: it is no diversify indicator definition
    assert "diversify_1_share_a_z_b" in {r.name for r in b.bound_rows()}


def test_tricky_partner_ids_solve_explain_and_value_alike(tmp_path):
    plain, tricky = _pair(tmp_path)
    undo = _back(TRICKY)
    ra, rb = solve(plain), solve(tricky)
    assert ra.status == rb.status == "optimal"
    assert rb.selected == ra.selected and rb.objective == pytest.approx(ra.objective, abs=1e-9)
    options = list(plain.options.index)
    for ea, eb in zip(explain(plain, options), explain(tricky, options)):
        assert [undo(s) for s in describe_explanation(eb)] == describe_explanation(ea)
    va, vb = value_bounds(plain), value_bounds(tricky)
    assert [undo(b.row) for b in vb.bounds] == [b.row for b in va.bounds]
    assert [undo(s) for s in describe_values(vb)] == describe_values(va)


def test_tricky_partner_ids_diagnose_alike(tmp_path):
    # require b (partner aus, renamed a_z_b), forbid c and d: b is then g2's only cover, a share of
    # 1 > 0.6, and N-1 on g2 has nothing left without aus. The share row of a_z_b is a bound to relax.
    plain, tricky = _pair(tmp_path, require=["b"], forbid=["c", "d"])
    undo = _back(TRICKY)
    da, db = diagnose(plain), diagnose(tricky)
    assert da.status == db.status == "infeasible"
    assert [undo(s) for s in describe_diagnosis(db)] == describe_diagnosis(da)
    named = {r.row for r in db.alternatives + db.combined}
    assert "diversify_1_share_a_z_b" in named  # relaxable: a bound, whatever its partner is called


def _models() -> list[Path]:
    return [DATA / "rules.yaml", *sorted(MODELS.glob("*.yaml"))]


@pytest.mark.parametrize("path", _models(), ids=lambda p: p.stem)
def test_every_row_has_a_registered_family_and_a_source(path):
    comp = compile_model(build(load_scenario(path)))
    registered = BASE_FAMILIES | set(family_names())
    assert len(comp.tags) == len(comp.row_names)
    for name, tag in zip(comp.row_names, comp.tags):
        assert tag.family in registered, (name, tag)
        assert isinstance(tag.role, Role)
        if tag.role == Role.LIMIT and tag.family in SOURCED:
            assert tag.key is not None or tag.cell is not None, (name, tag)
