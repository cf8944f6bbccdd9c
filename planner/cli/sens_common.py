"""Options and progress display shared by the sensitivity commands (sweep, frontier,
montecarlo, alternatives). The library reports progress through a callback; the rich
bar lives here, on stderr, so `--json` output on stdout stays clean."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, NoReturn

import click

workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Local workers, each keeping one model alive: spawned processes (sweep), threads of this process "
    "(montecarlo). Default: all cores.",
)
scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask distributed cluster instead, e.g. tcp://127.0.0.1:8786 (needs the 'dask' extra).",
)
resume_option = click.option(
    "--resume",
    "resume",
    type=click.Path(file_okay=False),
    default=None,
    metavar="RUN_DIR",
    help="Finish an interrupted run without repeating its finished points (its settings come from the run).",
)
point_time_option = click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Time limit per solve in seconds (default: solver.time_limit_s). A point that hits it is 'feasible' with its gap.",
)


@contextmanager
def progress_bar(enabled: bool, label: str, unit: str = "points") -> Iterator[Callable[[int, int | None], None] | None]:
    """A callback (done, total) that drives a rich progress bar on stderr, or None if disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            done = task.completed - task.fields.get("first", 0)
            elapsed = time.perf_counter() - task.fields.get("t0", time.perf_counter())
            return Text(f"{done / elapsed:.2f} {unit}/s" if done and elapsed > 0 else f"… {unit}/s", style="cyan")

    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task_id = None

    def update(done: int, total: int | None) -> None:  # total None: not known in advance
        nonlocal task_id
        if task_id is None:  # the first call reports points already done (resumed): not counted in the rate
            task_id = progress.add_task(label, total=total, completed=done, first=done, t0=time.perf_counter())
        else:
            progress.update(task_id, completed=done, total=total)

    with progress:
        yield update


@contextmanager
def interrupt_message(command: str) -> Iterator[None]:
    """Ctrl-C during a journaled run: say what was kept and how to resume; exit 130."""
    from planner.sensitivity.runner import RunInterrupted

    try:
        yield
    except RunInterrupted as exc:
        click.echo(
            f"interrupted: {exc.done} of {exc.total} points are kept; finish with\n"
            f"  planner {command} --resume {exc.out_dir}",
            err=True,
        )
        sys.exit(130)


def usage_error(message: str) -> NoReturn:
    """Exit 2 with a message (for option combinations Click cannot check)."""
    raise click.UsageError(message)
