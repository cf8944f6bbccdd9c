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
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from planner.results.timings import Timings
from planner.web.whatif import WhatIf, overrides

NUMERIC_CHANGE = frozenset({"settings"})  # = planner.sensitivity.points.NUMERIC (imported lazily there)

MAX_SESSIONS = 32
MAX_ENGINES = 4  # scenarios kept live per session


@dataclass
class Solved:
    result: object  # planner.results.result.Result
    overrides: list[str]
    path: str  # "fast" or "rebuild"
    seconds: float


@dataclass
class Session:
    engines: OrderedDict = field(default_factory=OrderedDict)  # scenario file -> (Engine, the stamp of its files)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self, scenario_file: Path):
        """The live model of `scenario_file`, built again when any file it was read from (the
        scenario, those it extends, its tables, its incumbent) changed on disk: a save from
        another session, or an edit in an editor, is never answered from a stale copy."""
        from planner.api import load_scenario
        from planner.inputs.confine import source_files
        from planner.inputs.read import read_scenario_data
        from planner.sensitivity.engine import Engine
        from planner.sensitivity.points import source_of

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

    def scenario(self, scenario_file: Path, whatif: WhatIf):
        """(engine, the what-if's Scenario, what changed, its --set overrides)."""
        from planner.inputs.read import parse_set

        engine = self.engine(scenario_file)
        factory = engine.factory
        rules = factory.config(parse_set(whatif.set)).rules
        sets = overrides(whatif, rules)
        sc, changes = engine.scenario(parse_set(sets))
        return engine, sc, changes, sets  # every path gives the what-if its own input_sha256

    def solve(self, scenario_file: Path, whatif: WhatIf) -> Solved:
        from planner.model.rules import active_rules
        from planner.results.result import make_result

        with self.lock:  # one live HiGHS model: one solve at a time per session
            t0 = time.perf_counter()
            locked = self._lock_point(scenario_file, whatif)
            if locked is None:
                engine, sc, changes, sets = self.scenario(scenario_file, whatif)
                if sc.config.replan is not None:  # as `planner solve`: with the clean-sheet plan (price of stability)
                    from planner.api import solve as solve_afresh

                    validated = Timings(validate=time.perf_counter() - t0)
                    result = solve_afresh(sc)
                    result = dataclasses.replace(result, timings=validated.merged(result.timings))
                    return Solved(result, sets, "rebuild", time.perf_counter() - t0)
                t1 = time.perf_counter()
                path = engine.prepare(sc, changes)
                _bound_locks(engine, (), ())
            else:
                engine, core, sc, sets = locked
                t1 = time.perf_counter()
                path = engine.prepare(core, NUMERIC_CHANGE)
                _bound_locks(engine, sc.config.rules.require, sc.config.rules.forbid)
            t2 = time.perf_counter()
            cfg = sc.config.solver
            outcome = engine.live.solve(cfg.time_limit_s, cfg.mip_gap, cfg.tie_break)
            timings = Timings(validate=t1 - t0, build=t2 - t1, solve=outcome.solve_seconds)
            result = make_result(sc, outcome, timings, active_rules(sc))
            return Solved(result, sets, path + ("+locks" if locked else ""), time.perf_counter() - t0)

    def _lock_point(self, scenario_file: Path, whatif: WhatIf):
        """Locks on an otherwise numeric what-if: (engine, the point without its locks, the point
        with them, overrides), solved as column bounds on the live model instead of a rebuild
        (the same feasible set as rows rules.require / rules.forbid). None: not that case."""
        from planner.inputs.read import parse_set

        if not (whatif.lock_in or whatif.lock_out) or {"require", "forbid"} & set(whatif.rules_off):
            return None
        engine = self.engine(scenario_file)
        factory = engine.factory
        rules = factory.config(parse_set(whatif.set)).rules
        bare = whatif.model_copy(update={"lock_in": [], "lock_out": []})
        core, changes = engine.scenario(parse_set(overrides(bare, rules)))
        if changes is None or core.config.rules.require or core.config.rules.forbid:
            return None
        ids = set(core.options.index)
        if not set(whatif.lock_in) <= ids or not set(whatif.lock_out) <= ids:
            return None  # the full path names the unknown option
        sets = overrides(whatif, rules)
        full = factory.config(parse_set(sets))
        sc = core.with_config(full)  # with its own input_sha256
        return engine, core, sc, sets

    def point_scenario(self, scenario_file: Path, whatif: WhatIf):
        with self.lock:
            return self.scenario(scenario_file, whatif)[1:]


HASH_UP_TO = 1024 * 1024  # bytes: smaller files are compared by content too (mtimes can be coarse)


def _stamp(files: list[Path]) -> tuple:
    """What identifies the files' contents: each one's inode, size and modification time, and
    for files up to HASH_UP_TO bytes (scenario files, most tables) a digest of the bytes, so an
    edit within the file system's timestamp granularity is seen too."""
    import hashlib

    out = []
    for f in files:
        try:
            st = f.stat()
            digest = hashlib.sha256(f.read_bytes()).digest() if f.is_file() and st.st_size <= HASH_UP_TO else None
            out.append((st.st_ino, st.st_size, st.st_mtime_ns, digest))
        except OSError:
            out.append(None)
    return tuple(out)


def _bound_locks(engine, require, forbid) -> None:
    """Fix x[o] = 1 for `require`, 0 for `forbid`, on the live model (and its arrays, which
    the tie-break stage restores bounds from); every other option back to the base bounds."""
    import numpy as np

    live, base = engine.live, engine.base_comp
    comp = live.comp
    if len(comp.col_lower) != len(base.col_lower):  # a rebuilt point's own model: its rows hold its locks
        return
    index = {o: i for i, o in enumerate(engine.base.options.index)}
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
