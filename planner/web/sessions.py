"""One live model per browser session: a what-if re-solves in place, not from scratch.

Each session (a browser tab sends its own `X-Planner-Session` id; API clients without one
share the session "api") keeps, per scenario file, a `planner.sensitivity.engine.Engine`:
the scenario's model built and compiled once, one HiGHS model alive. A what-if that changes
only numbers (a limit, a weight, the risk penalty) is pushed into that model and re-solved
in place (`Engine.prepare` → path "fast"); a structural edit (a lock, a rule family off, the
objective's sense) rebuilds the point's model exactly as `planner solve --set` does (path
"rebuild"); a re-plan (`replan:`) is solved by `planner.api.solve`, with its clean-sheet plan
and so its price of stability, as `planner solve` prints them. The solve is the same two-stage `HighsSession.solve` as `planner solve`, and
the `Result` is made by `planner.results.result.make_result`, so `Result.summary()` is the
summary `planner solve --json` prints. A live model is used only while every file it was read
from is unchanged on disk (`Session.engine`); otherwise it is built again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from planner.api import load_scenario, solve as solve_afresh
from planner.inputs.confine import source_files
from planner.inputs.read import read_scenario_data
from planner.inputs.scenario import Scenario
from planner.model.rules import active_rules
from planner.results.result import Result, make_result
from planner.results.timings import Timings
from planner.sensitivity.engine import Engine
from planner.sensitivity.points import NUMERIC, source_of
from planner.web.whatif import Edits, Setting, overrides, set_text

MAX_SESSIONS = 32
MAX_ENGINES = 4  # scenarios kept live per session


@dataclass
class Solved:
    result: Result
    overrides: list[str]  # the edits applied, as the `--set` texts that state them (shown on the page)
    path: str  # "fast" or "rebuild"
    seconds: float


@dataclass(frozen=True)
class Point:
    """A what-if's point: its engine, its Scenario, what changed from the engine's base
    (`points.NUMERIC`, or None for a structural change) and the typed setting edits applied."""

    engine: Engine
    scenario: Scenario
    changes: frozenset[str] | None
    settings: list[Setting]


@dataclass
class Session:
    engines: OrderedDict[str, tuple[Engine, list[Path], tuple[object, ...]]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self, scenario_file: Path) -> Engine:
        """The live model of `scenario_file`, built again when any file it was read from (the
        scenario, those it extends, its tables, its incumbent) changed on disk: a save from
        another session, or an edit in an editor, is never answered from a stale copy."""
        key = str(scenario_file)
        if key in self.engines:
            engine, files, stamp = self.engines[key]
            if _stamp(files) == stamp:
                self.engines.move_to_end(key)
                return engine
            del self.engines[key]
        files = source_files(scenario_file, read_scenario_data(scenario_file))
        stamp = _stamp(files)
        base = load_scenario(scenario_file)
        engine = Engine.of(source_of(base), threads=base.config.solver.threads)
        if _stamp(files) == stamp:  # else a file changed while it was read: the next request reads again
            self.engines[key] = (engine, files, stamp)
        while len(self.engines) > MAX_ENGINES:
            self.engines.popitem(last=False)
        return engine

    def scenario(self, scenario_file: Path, edits: Edits) -> Point:
        """The what-if's point (every path gives it its own input_sha256)."""
        engine = self.engine(scenario_file)
        rules = engine.factory.config(edits.settings).rules
        settings = overrides(edits, rules)
        sc, changes = engine.scenario(settings)
        return Point(engine, sc, changes, settings)

    def solve(self, scenario_file: Path, edits: Edits) -> Solved:
        with self.lock:  # one live HiGHS model: one solve at a time per session
            t0 = time.perf_counter()
            locked = self._lock_point(scenario_file, edits)
            if locked is None:
                point = self.scenario(scenario_file, edits)
                engine, sc, shown = point.engine, point.scenario, [set_text(s) for s in point.settings]
                if sc.config.replan is not None:  # as `planner solve`: with the clean-sheet plan (price of stability)
                    validated = Timings(validate=time.perf_counter() - t0)
                    result = solve_afresh(sc)
                    result = dataclasses.replace(result, timings=validated.merged(result.timings))
                    return Solved(result, shown, "rebuild", time.perf_counter() - t0)
                t1 = time.perf_counter()
                path = engine.prepare(sc, point.changes)
                _bound_locks(engine, (), ())
            else:
                core, point = locked
                engine, sc, shown = point.engine, point.scenario, [set_text(s) for s in point.settings]
                t1 = time.perf_counter()
                path = engine.prepare(core, NUMERIC)
                _bound_locks(engine, sc.config.rules.require, sc.config.rules.forbid)
            t2 = time.perf_counter()
            cfg = sc.config.solver
            live = engine.live
            assert live is not None  # `prepare` loaded the point
            outcome = live.solve(cfg.time_limit_s, cfg.mip_gap, cfg.tie_break)
            timings = Timings(validate=t1 - t0, build=t2 - t1, solve=outcome.solve_seconds)
            result = make_result(sc, outcome, timings, active_rules(sc))
            return Solved(result, shown, path + ("+locks" if locked else ""), time.perf_counter() - t0)

    def _lock_point(self, scenario_file: Path, edits: Edits) -> tuple[Scenario, Point] | None:
        """Locks on an otherwise numeric what-if: (the point without its locks, the point with
        them), solved as column bounds on the live model instead of a rebuild (the same
        feasible set as rows rules.require / rules.forbid). None: not that case."""
        if not (edits.lock_in or edits.lock_out) or {"require", "forbid"} & set(edits.rules_off):
            return None
        engine = self.engine(scenario_file)
        factory = engine.factory
        rules = factory.config(edits.settings).rules
        core, changes = engine.scenario(overrides(edits.unlocked(), rules))
        if changes is None or core.config.rules.require or core.config.rules.forbid:
            return None
        ids = set(core.options.index)
        if not set(edits.lock_in) <= ids or not set(edits.lock_out) <= ids:
            return None  # the full path names the unknown option
        settings = overrides(edits, rules)
        sc = core.with_config(factory.config(settings))  # with its own input_sha256
        return core, Point(engine, sc, changes, settings)

    def point_scenario(self, scenario_file: Path, edits: Edits) -> Point:
        with self.lock:
            return self.scenario(scenario_file, edits)


HASH_UP_TO = 1024 * 1024  # bytes: smaller files are compared by content too (mtimes can be coarse)


def _stamp(files: list[Path]) -> tuple[object, ...]:
    """What identifies the files' contents: each one's inode, size and modification time, and
    for files up to HASH_UP_TO bytes (scenario files, most tables) a digest of the bytes, so an
    edit within the file system's timestamp granularity is seen too."""
    out: list[object] = []
    for f in files:
        try:
            st = f.stat()
            digest = hashlib.sha256(f.read_bytes()).digest() if f.is_file() and st.st_size <= HASH_UP_TO else None
            out.append((st.st_ino, st.st_size, st.st_mtime_ns, digest))
        except OSError:
            out.append(None)
    return tuple(out)


def _bound_locks(engine: Engine, require: Sequence[str], forbid: Sequence[str]) -> None:
    """Fix x[o] = 1 for `require`, 0 for `forbid`, on the live model (and its arrays, which
    the tie-break stage restores bounds from); every other option back to the base bounds."""
    live, base = engine.live, engine.base_comp
    assert live is not None  # called after `prepare`
    comp = live.comp
    if len(comp.col_lower) != len(base.col_lower):  # a rebuilt point's own model: its rows hold its locks
        return
    index = engine.base.option_position
    lower, upper = base.col_lower[base.x_cols].copy(), base.col_upper[base.x_cols].copy()
    for o in require:
        lower[index[o]] = 1.0
    for o in forbid:
        upper[index[o]] = 0.0
    cols = comp.x_cols
    changed = np.flatnonzero((comp.col_lower[cols] != lower) | (comp.col_upper[cols] != upper))
    if changed.size:
        live.set_column_bounds(cols[changed], lower[changed], upper[changed])


class Sessions:
    """The live sessions, least recently used dropped beyond MAX_SESSIONS."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str) -> Session:
        with self._lock:
            if sid not in self._items:
                self._items[sid] = Session()
            self._items.move_to_end(sid)
            while len(self._items) > MAX_SESSIONS:
                self._items.popitem(last=False)
            return self._items[sid]
