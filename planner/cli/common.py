"""Options and error handling every command shares; no planning logic lives here."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable, ParamSpec, TypeVar

import click

EXIT_OK, EXIT_FAULT, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_LIMIT = 0, 1, 2, 3, 4
DEFAULT_SCENARIO = "models/baseline.yaml"
P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


def status_exit(status: object) -> int:
    """The exit code of a solve that ended `status` (`Status.exit_code`); 1 for what is not a status."""
    from planner.solver.outcome import Status  # here: `validate` loads this module, and no planner.solver

    known = Status.of(status)
    return EXIT_FAULT if known is None else known.exit_code


def scenario_argument(required: bool = True) -> Callable[[F], F]:
    if required:
        return click.argument("scenario", type=click.Path(dir_okay=False))
    return click.argument("scenario", type=click.Path(dir_okay=False), required=False, default=None)


set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override any scenario key (repeatable), e.g. --set limits.budget_musd=2000.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of tables.")
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for results (default: outputs/<scenario>/<timestamp>/): a new or empty folder, or a run folder "
    "of this tool (it has a .planner-run marker), which is replaced atomically. Any other folder is refused.",
)
resolve_workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes for the independent re-solves (spawned, one model each); the results are the same "
    "as with 1, which solves here, serially.",
)


def check_out(out_dir: str | Path | None) -> None:
    """Refuse an `--out` that may not be replaced before any work is done (exit 2 via
    `OutputRefused`); the library checks again when it writes (`planner.io.runfolder.atomic_dir`)."""
    if out_dir is not None:
        from planner.io.runfolder import check_replaceable

        check_replaceable(out_dir)


def emit_json(data: Any) -> None:
    """Print `data` as strict JSON (`planner.io.numbers.json_text`: a non-finite figure is null)."""
    from planner.io.numbers import json_text

    click.echo(json_text(data))


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into messages and exit codes; never show a traceback by default."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from planner.errors import InputError, PlannerError

        as_json = kwargs.get("as_json", False)
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            if as_json:
                emit_json({"status": "error", "error": "input", "problems": [p.to_dict() for p in exc.problems]})
            else:
                click.echo(exc.render(limit=200), err=True)
            sys.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:  # the reader closed stdout (`| head`): `main` ends quietly
            raise
        except KeyboardInterrupt:
            click.echo("interrupted; earlier results are untouched", err=True)
            sys.exit(130)
        except (PlannerError, Exception) as exc:  # noqa: BLE001 - the CLI's last line of defence
            if os.environ.get("PLANNER_DEBUG"):
                raise
            kind = "error" if isinstance(exc, PlannerError) else f"internal error ({type(exc).__name__})"
            if as_json:
                emit_json({"status": "error", "error": kind, "message": str(exc)})
            else:
                click.echo(f"{kind}: {exc}\n(set PLANNER_DEBUG=1 for a traceback)", err=True)
            sys.exit(EXIT_FAULT)

    return wrapper


def resolve_scenario(path: str | None) -> Path:
    return Path(path or DEFAULT_SCENARIO)
