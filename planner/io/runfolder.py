"""Write a run's files atomically: all or nothing, never outside the chosen folder, and never
over anything the planner did not write.

Every run folder gets a marker file, `.planner-run` (JSON: tool, kind, version), written by
`atomic_dir` with the folder's contents. `atomic_dir` replaces a folder only if it carries
that marker or is empty (`check_replaceable`); anything else at the path — a folder of
notes, the project itself, a file, a symbolic link, the working folder — is refused with
`planner.errors.OutputRefused` (exit 2) before anything is written or removed. Run folders
written before the marker existed carry none and are refused too.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from planner import __version__
from planner.errors import OutputRefused, Refusal
from planner.io.numbers import json_text
from planner.io.safety import neutralise_frame

if TYPE_CHECKING:
    import pandas as pd

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


MARKER = ".planner-run"  # the file that makes a folder a run folder of this tool
TOOL = "partnership-planner"
MAX_MARKER_BYTES = 4096


def write_marker(folder: Path, kind: str) -> Path:
    """Write `folder/.planner-run`: {"tool": "partnership-planner", "kind": kind, "version": …}."""
    if not kind or not isinstance(kind, str):
        raise ValueError(f"a run folder needs a kind, got {kind!r}")
    path = Path(folder) / MARKER
    path.write_text(json_text({"tool": TOOL, "kind": kind, "version": __version__}) + "\n", encoding="utf-8")
    return path


def read_marker(folder: str | Path) -> dict[str, Any] | None:
    """The folder's marker if it is this tool's: a regular file (not a link) holding a JSON
    object with "tool": "partnership-planner"; None otherwise."""
    path = Path(folder) / MARKER
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MARKER_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == TOOL else None


def is_run_folder(folder: str | Path) -> bool:
    """A folder (not a link to one) that carries this tool's `.planner-run` marker."""
    folder = Path(folder)
    return folder.is_dir() and not folder.is_symlink() and read_marker(folder) is not None


def _absolute(path: str | Path) -> Path:
    """The absolute path with `.` and `..` resolved by name (symlinks are not followed)."""
    return Path(os.path.abspath(path))


def _is_working_folder(target: Path) -> bool:
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working folder was removed
        return False
    here = target.resolve()
    return here == cwd or here in cwd.parents


def check_replaceable(target: str | Path) -> Path:
    """`target` as an absolute path if a run may be written there; else OutputRefused.

    Allowed: a path that does not exist, an empty folder, a folder with this tool's marker.
    Refused: a symbolic link (even to a run folder), a file, the working folder or a folder
    above it, and any other folder — including run folders written before the marker."""
    target = _absolute(target)
    if target.is_symlink():
        raise OutputRefused(
            target,
            Refusal.SYMLINK,
            f"is a symbolic link (to {os.readlink(target)}); the planner does not replace links: "
            "give a real folder as --out",
        )
    if not os.path.lexists(target):
        return target
    if not target.is_dir():
        raise OutputRefused(
            target,
            Refusal.NOT_A_FOLDER,
            "exists and is not a folder, so not a Partnership Planner run folder; "
            "choose another folder or remove it yourself",
        )
    if _is_working_folder(target):
        raise OutputRefused(
            target,
            Refusal.WORKING_FOLDER,
            "is the working folder or a folder above it; a run folder is replaced whole, so "
            "choose a folder of its own, e.g. outputs/run",
        )
    if read_marker(target) is not None or next(os.scandir(target), None) is None:
        return target
    why = (
        "its .planner-run file is not this tool's marker"
        if os.path.lexists(target / MARKER)
        else "no .planner-run marker; run folders written before the marker was introduced have none and are "
        "refused too"
    )
    raise OutputRefused(
        target,
        Refusal.NOT_A_RUN_FOLDER,
        f"exists and is not a Partnership Planner run folder ({why}); choose another folder or remove it yourself",
    )


def default_run_dir(scenario_name: str, root: str | Path = "outputs") -> Path:
    """outputs/<scenario>/<UTC timestamp>, refusing a name that would lead outside `root`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    safe_child(Path(root), scenario_name)  # raises if the name would lead outside root
    return Path(root) / scenario_name / stamp


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 RENAME_EXCHANGE).

    Returns False where the system or filesystem cannot, so the caller falls back."""
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
            _remove(path)


def _remove(path: Path) -> None:
    """Remove a folder tree, or a file or symbolic link (never what a link points to)."""
    if path.is_symlink() or not path.is_dir():
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    else:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def atomic_dir(target: str | Path, kind: str) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it gets the `.planner-run` marker of `kind`
    (solve, sweep, frontier, tranches, montecarlo, alternatives, robust, explain, value, …)
    and replaces `target` in one atomic step.

    `target` must be replaceable (`check_replaceable`): checked before anything is written
    and again just before the swap, so a folder that appeared meanwhile is not lost either;
    a refusal (`OutputRefused`) removes the temporary folder and leaves `target` untouched.
    """
    target = _absolute(target)
    check_replaceable(target)
    with replace_dir(target) as tmp:
        yield tmp
        write_marker(tmp, kind)
        check_replaceable(target)


@contextmanager
def replace_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces `target` in one atomic step.

    No marker and no refusal: for folders that are not run folders (`planner generate`'s
    inputs), whose caller decides whether `target` may be replaced. Run folders use `atomic_dir`.

    On any failure the temporary folder is removed and `target` (if it existed) is untouched.
    The swap is one `renameat2(RENAME_EXCHANGE)` where Linux offers it, so a kill at any
    moment (SIGINT or SIGKILL) leaves either the complete previous folder or the complete
    new one. Elsewhere it is two renames with SIGINT/SIGTERM held off between them, and the
    next write to `target` restores a previous folder a SIGKILL left moved aside. Temporary
    folders carry the writer's pid, so the next write removes those of dead writers.
    """
    target = _absolute(target)
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
            _remove(old)  # a folder, or (replace_dir onto a file or link) the file or link itself
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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n")


def write_run(result: Result, out_dir: str | Path, extra: Callable[[Path], object] | None = None) -> Path:
    """Write summary.json, portfolio.csv, coverage.csv, scenario.json (and, with time phasing,
    resources_by_year.csv; for a re-plan, changes.csv) into out_dir.

    `extra(folder)`, if given, runs on the finished temporary folder before it replaces
    out_dir, so files it adds (e.g. reports) land together with the run or not at all.
    """
    summary = result.summary()
    with atomic_dir(out_dir, kind="solve") as tmp:
        write_csv(result.portfolio, safe_child(tmp, "portfolio.csv"))
        write_csv(result.coverage, safe_child(tmp, "coverage.csv"))
        if result.scenario.config.rules.phasing is not None:
            write_csv(result.resources_by_year, safe_child(tmp, "resources_by_year.csv"))
        changes = result.changes  # a table under replan: only
        if changes is not None:
            write_csv(changes, safe_child(tmp, "changes.csv"))
        safe_child(tmp, "scenario.json").write_text(
            json_text(result.scenario.config.to_plain(), sort_keys=True) + "\n", encoding="utf-8"
        )
        safe_child(tmp, "summary.json").write_text(json_text(summary) + "\n", encoding="utf-8")
        if extra is not None:
            extra(tmp)
    return Path(out_dir)
