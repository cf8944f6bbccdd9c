"""Write a run's files atomically: all or nothing, never outside the chosen folder."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from planner.results.result import Result


def atomic_file(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(tmp)` on a temporary sibling of `path`, then rename it over `path`.

    A failure leaves `path` as it was; the file gets ordinary permissions (not mkstemp's 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix or ".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def default_run_dir(scenario_name: str, root: str | Path = "outputs") -> Path:
    """outputs/<scenario>/<UTC timestamp>, refusing a name that would lead outside `root`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    safe_child(Path(root), scenario_name)  # raises if the name would lead outside root
    return Path(root) / scenario_name / stamp


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 RENAME_EXCHANGE).

    Returns False where the system or filesystem cannot, so the caller falls back."""
    import ctypes
    import errno

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(target: Path) -> None:
    """Tidy what a killed writer of `target` left: its temporary folder goes, and a previous
    result it had moved aside (between the two renames of the fallback swap) comes back."""
    import re

    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(tmp|old)-(\d+)(-.*)?$")
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        m = pattern.match(path.name)
        if not m or _alive(int(m.group(2))):
            continue
        if m.group(1) == "old" and not os.path.lexists(target):
            os.replace(path, target)
        else:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces `target` in one atomic step.

    On any failure the temporary folder is removed and `target` (if it existed) is untouched.
    The swap is one `renameat2(RENAME_EXCHANGE)` where Linux offers it, so a kill at any
    moment (SIGINT or SIGKILL) leaves either the complete previous folder or the complete
    new one. Elsewhere it is two renames with SIGINT/SIGTERM held off between them, and the
    next write to `target` restores a previous folder a SIGKILL left moved aside. Temporary
    folders carry the writer's pid, so the next write removes those of dead writers.
    """
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-{os.getpid()}-"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; results are meant to be shared like any folder
    try:
        yield tmp
        if target.is_dir() and not target.is_symlink() and _exchange(tmp, target):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous results
        else:
            _swap_in_two_steps(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in_two_steps(tmp: Path, target: Path) -> None:
    """target → .old, tmp → target, drop .old; SIGINT/SIGTERM arriving meanwhile are held
    (Python-level handlers, so a signal that lands on a solver thread is held too) and
    acted on once the previous folder is either back in place or replaced."""
    import signal
    import threading

    pending: list[int] = []
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            saved[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        old = None
        if os.path.lexists(target):
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if signal.SIGINT in pending:
            raise KeyboardInterrupt
        if signal.SIGTERM in pending:
            os.kill(os.getpid(), signal.SIGTERM)


def safe_child(folder: Path, name: str) -> Path:
    """`folder/name`, refusing any name that would resolve outside `folder`."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError(f"refusing to write {name!r}: it resolves outside {folder}")
    return path


def write_csv(frame, path: Path) -> None:
    from planner.io.safety import neutralise_frame

    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n")


def write_run(result: Result, out_dir: str | Path, extra=None) -> Path:
    """Write summary.json, portfolio.csv, coverage.csv, scenario.json (and, with time phasing,
    resources_by_year.csv; for a re-plan, changes.csv) into out_dir.

    `extra(folder)`, if given, runs on the finished temporary folder before it replaces
    out_dir, so files it adds (e.g. reports) land together with the run or not at all.
    """
    summary = result.summary()
    with atomic_dir(out_dir) as tmp:
        write_csv(result.portfolio, safe_child(tmp, "portfolio.csv"))
        write_csv(result.coverage, safe_child(tmp, "coverage.csv"))
        if result.scenario.config.rules.phasing is not None:
            write_csv(result.resources_by_year, safe_child(tmp, "resources_by_year.csv"))
        if result.scenario.config.replan is not None:
            write_csv(result.changes, safe_child(tmp, "changes.csv"))
        safe_child(tmp, "scenario.json").write_text(
            json.dumps(result.scenario.config.to_plain(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        safe_child(tmp, "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if extra is not None:
            extra(tmp)
    return Path(out_dir)
