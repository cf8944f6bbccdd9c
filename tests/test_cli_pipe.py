"""`planner solve | head -1`: the reader closes stdout after the first line; the run ends
quietly with exit 0 (no traceback, the first line kept)."""

import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_solve_into_a_closed_pipe_exits_0_quietly(tmp_path):
    planner = f"{shlex.quote(sys.executable)} -m planner"
    script = (
        f"{planner} solve {REPO / 'models' / 'baseline.yaml'} --out {tmp_path / 'run'} 2>{tmp_path / 'err'}"
        ' | head -1; echo "status ${PIPESTATUS[0]}"'
    )
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    first, status = proc.stdout.splitlines()
    assert first.startswith("baseline: optimal"), proc.stdout
    assert status == "status 0", proc.stdout
    assert (tmp_path / "err").read_text(encoding="utf-8") == ""
