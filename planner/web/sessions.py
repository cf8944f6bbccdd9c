"""One live model per browser session: a what-if re-solves in place, not from scratch.

Each session (a browser tab sends its own `X-Planner-Session` id; API clients without one
share the session "api") keeps, per scenario file, a `planner.sensitivity.engine.Engine`:
the scenario's model built and compiled once, one HiGHS model alive. A what-if that changes
only numbers (a limit, a weight, the risk penalty) is pushed into that model and re-solved
in place (`Engine.prepare` → path "fast"); a structural edit (a lock, a rule family off, the
objective's sense) rebuilds the point's model exactly as `planner solve --set` does (path
"rebuild"). The solve is the same two-stage `HighsSession.solve` as `planner solve`, and
the `Result` is made by `planner.results.result.make_result`, so `Result.summary()` is the
summary `planner solve --json` prints.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from planner.web.whatif import WhatIf, overrides

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
    engines: OrderedDict = field(default_factory=OrderedDict)  # scenario file -> Engine
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self, scenario_file: Path):
        from planner.api import load_scenario
        from planner.sensitivity.engine import Engine
        from planner.sensitivity.points import raw_inputs

        key = str(scenario_file)
        if key in self.engines:
            self.engines.move_to_end(key)
            return self.engines[key]
        base = load_scenario(scenario_file)
        engine = Engine(raw_inputs(base), threads=base.config.solver.threads, base=base)
        self.engines[key] = engine
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
        return engine, _with_digest(sc, factory.raw.tables_sha256), changes, sets

    def solve(self, scenario_file: Path, whatif: WhatIf) -> Solved:
        from planner.model.rules import active_rules
        from planner.results.result import make_result

        with self.lock:  # one live HiGHS model: one solve at a time per session
            t0 = time.perf_counter()
            engine, sc, changes, sets = self.scenario(scenario_file, whatif)
            t1 = time.perf_counter()
            path = engine.prepare(sc, changes)
            t2 = time.perf_counter()
            cfg = sc.config.solver
            outcome = engine.session.solve(cfg.time_limit_s, cfg.mip_gap, cfg.tie_break)
            timings = {"validate": t1 - t0, "build": t2 - t1, "solve": outcome.solve_seconds}
            result = make_result(sc, outcome, timings, active_rules(sc))
            return Solved(result, sets, path, time.perf_counter() - t0)

    def point_scenario(self, scenario_file: Path, whatif: WhatIf):
        with self.lock:
            return self.scenario(scenario_file, whatif)[1:]


def _with_digest(sc, tables_sha256: str):
    """The point scenario with its own input_sha256 (as `load_scenario` with the same --set
    computes it): `ScenarioFactory` keeps the base's digest on a settings-only point."""
    import dataclasses

    from planner.inputs.read import input_digest

    digest = input_digest(sc.config, tables_sha256)
    if digest == sc.input_sha256:
        return sc
    fixed = dataclasses.replace(sc, input_sha256=digest)
    # the cached arrays of the same tables and the same settings carry over
    fixed.__dict__.update({k: v for k, v in sc.__dict__.items() if k not in fixed.__dict__})
    return fixed


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
