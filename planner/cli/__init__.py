"""`planner` command line. Commands load lazily so `planner --help` stays fast.

Exit status: 0 done, 1 a fault in the tool, 2 bad input or usage, 3 infeasible,
4 stopped by a limit without a proven optimum.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

# command name -> "module:function" inside planner.cli; add one line per command.
COMMANDS = {
    "solve": "solve_cmd:solve",
    "validate": "validate_cmd:validate",
    "check": "check_cmd:check",
    "generate": "generate_cmd:generate",
    "export": "export_cmd:export",
    "init": "init_cmd:init",
    "explain": "explain_cmd:explain",
    "compare": "compare_cmd:compare",
    "sweep": "sweep_cmd:sweep",
    "value": "value_cmd:value",
    "diagnose": "diagnose_cmd:diagnose",
    "frontier": "frontier_cmd:frontier",
    "montecarlo": "montecarlo_cmd:montecarlo",
    "alternatives": "alternatives_cmd:alternatives",
    "robust": "robust_cmd:robust",
    "rival": "rival_cmd:rival",
    "pareto": "pareto_cmd:pareto",
    "serve": "serve_cmd:serve",
}

HELP = """Partnership Planner: choose which technology partnerships to pursue with which allies.

\b
Examples:
  planner solve                                  # the shipped default, models/baseline.yaml
  planner solve models/baseline.yaml --set limits.budget_musd=2000 --out outputs/cut
  planner validate models/baseline.yaml

Exit status: 0 done, 1 tool fault, 2 bad input or usage, 3 infeasible,
4 stopped by a limit (time) without a proven optimum.
"""


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        command: click.Command = getattr(importlib.import_module(f"planner.cli.{module}"), attr)
        return command


@click.group(
    cls=LazyGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="partnership-planner", prog_name="planner")
def cli() -> None:
    pass


def main() -> None:
    """The `planner` entry point: Click's own handling, except that Ctrl-C at any moment
    exits 130 with one line (Click would print 'Aborted!' and exit 1, the tool-fault code), and
    a reader that closes stdout early (`planner solve | head -1`) ends the run quietly, exit 0."""
    was_devnull = _stdout_is_devnull()
    try:
        code = cli.main(prog_name="planner", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted; earlier results are untouched", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _closed_stdout()
    except SystemExit as exc:
        # rich meets a closed stdout by pointing it at /dev/null and exiting 1: that is no fault
        if exc.code == 1 and not was_devnull and _stdout_is_devnull():
            _closed_stdout()
        raise
    sys.exit(code if isinstance(code, int) else 0)


def _stdout_is_devnull() -> bool:
    try:
        return os.path.samestat(os.fstat(sys.stdout.fileno()), os.stat(os.devnull))
    except (OSError, ValueError, AttributeError):  # no real stdout (e.g. captured by a test)
        return False


def _closed_stdout() -> None:
    """The reader closed stdout: exit 0 without a word (and without Python's own complaint
    when it flushes stdout at exit)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(0)
