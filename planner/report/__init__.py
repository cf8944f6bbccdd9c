"""Reports from a run folder: an Excel workbook, a self-contained HTML page, Markdown.

    >>> from planner.report import export_run
    >>> export_run("outputs/cut", "html")          # writes outputs/cut/report.html

`content` gathers the tables once; `xlsx`, `document` → `html` / `markdown` render
them; `charts` draws with matplotlib (imported only here); `export` decides where
files go and writes them atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.report.export import ExportResult

__all__ = ["export_run", "FORMATS"]

FORMATS = ("xlsx", "html", "md")


def export_run(run_dir: str | Path, fmt: str, out: str | Path | None = None, force: bool = False) -> ExportResult:
    from planner.report.export import export_run as run

    return run(run_dir, fmt, out, force)
