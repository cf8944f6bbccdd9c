"""A run's journal: finished points stream to disk so an interrupted run can resume.

For a run whose results go to `DIR`, the journal is the hidden sibling folder
`.<DIR name>.journal/` holding

- `manifest.json` — what the run is (command, scenario, settings, input hash), written
  atomically when the run starts; `--resume DIR` re-reads it;
- `points.jsonl` — one JSON object per finished point, appended and flushed to disk as
  each batch finishes. A line torn by a kill is ignored (that point is solved again).

`DIR` itself is only ever written whole, at the end (`planner.io.runfolder.atomic_dir`), from
the journal's records sorted by point — so an interrupted and resumed run writes the
same tables as an uninterrupted one. The journal is removed once `DIR` is complete.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterable

from planner.errors import InputError, Problem

MANIFEST, POINTS = "manifest.json", "points.jsonl"


def journal_dir(out_dir: str | Path) -> Path:
    out = Path(out_dir).absolute()
    return out.parent / f".{out.name}.journal"


class Journal:
    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir).absolute()
        self.path = journal_dir(out_dir)

    @classmethod
    def start(cls, out_dir: str | Path, manifest: dict[str, Any]) -> "Journal":
        """A fresh journal (an earlier one for the same folder is discarded)."""
        journal = cls(out_dir)
        shutil.rmtree(journal.path, ignore_errors=True)
        journal.path.mkdir(parents=True)
        tmp = journal.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, journal.path / MANIFEST)
        (journal.path / POINTS).touch()
        return journal

    @classmethod
    def open(cls, run_dir: str | Path, kind: str) -> "Journal":
        """The journal of an interrupted run, or InputError saying why there is none."""
        journal = cls(run_dir)
        if not (journal.path / MANIFEST).is_file():
            done = (journal.out_dir / "summary.json").is_file()
            why = "the run is already complete" if done else f"no journal found at {journal.path}"
            raise InputError(Problem(file=str(run_dir), key="--resume", message=f"nothing to resume: {why}"))
        manifest = journal.manifest
        if manifest.get("kind") != kind:
            raise InputError(
                Problem(
                    file=str(journal.path / MANIFEST),
                    key="--resume",
                    value=manifest.get("kind"),
                    message=f"this journal belongs to a '{manifest.get('kind')}' run, not '{kind}'",
                )
            )
        return journal

    @property
    def manifest(self) -> dict[str, Any]:
        manifest: dict[str, Any] = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        return manifest

    def records(self) -> dict[int, dict[str, Any]]:
        """Finished points by index (a torn or repeated line is skipped)."""
        out: dict[int, dict[str, Any]] = {}
        file = self.path / POINTS
        if not file.is_file():
            return out
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and isinstance(record.get("index"), int):
                out.setdefault(record["index"], record)
        return out

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
        if not lines:
            return
        with open(self.path / POINTS, "a+b") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell():  # after a kill mid-line, start a fresh line
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(lines.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
