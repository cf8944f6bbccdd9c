"""Write a run's files atomically: all or nothing, never outside the chosen folder."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .result import Result


def default_run_dir(scenario_name: str, root: str | Path = "outputs") -> Path:
    """outputs/<scenario>/<UTC timestamp>, refusing a name that would lead outside `root`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    safe_child(Path(root), scenario_name)  # raises if the name would lead outside root
    return Path(root) / scenario_name / stamp


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces `target` in one rename.

    On any failure the temporary folder is removed and `target` (if it existed) is untouched.
    """
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; results are meant to be shared like any folder
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def safe_child(folder: Path, name: str) -> Path:
    """`folder/name`, refusing any name that would resolve outside `folder`."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError(f"refusing to write {name!r}: it resolves outside {folder}")
    return path


def write_csv(frame, path: Path) -> None:
    from .safety import neutralise_frame

    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n")


def write_run(result: Result, out_dir: str | Path, extra=None) -> Path:
    """Write summary.json, portfolio.csv, coverage.csv, scenario.json (and, with time phasing,
    resources_by_year.csv) into out_dir.

    `extra(folder)`, if given, runs on the finished temporary folder before it replaces
    out_dir, so files it adds (e.g. reports) land together with the run or not at all.
    """
    summary = result.summary()
    with atomic_dir(out_dir) as tmp:
        write_csv(result.portfolio, safe_child(tmp, "portfolio.csv"))
        write_csv(result.coverage, safe_child(tmp, "coverage.csv"))
        if result.scenario.config.rules.phasing is not None:
            write_csv(result.resources_by_year, safe_child(tmp, "resources_by_year.csv"))
        safe_child(tmp, "scenario.json").write_text(
            json.dumps(result.scenario.config.to_plain(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        safe_child(tmp, "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if extra is not None:
            extra(tmp)
    return Path(out_dir)
