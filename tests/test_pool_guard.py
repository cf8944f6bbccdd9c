"""A script that starts a sweep's worker pool without the `__main__` guard fails with a clear
error instead of hanging: each spawned worker re-imports the script and dies at start-up."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    f"""
    from planner import load_scenario
    from planner.sensitivity.grid import Vary
    from planner.sensitivity.sweep import SweepOptions, run_sweep

    scenario = load_scenario({str(REPO / "models" / "baseline.yaml")!r})
    run_sweep(scenario, SweepOptions(Vary.range("limits.budget_musd", 3000, 4800, 600), workers=2))
    print("finished")
    """
)


@pytest.mark.slow
def test_sweep_from_a_script_without_the_main_guard_fails_clearly(tmp_path):
    script = tmp_path / "noguard.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "finished" not in proc.stdout
    assert "PlannerError" in proc.stderr and 'if __name__ == "__main__":' in proc.stderr, proc.stderr[-2000:]
