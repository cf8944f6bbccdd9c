"""Reports from a run folder: an Excel workbook, a self-contained HTML page, Markdown.

    >>> from planner.report import export_run
    >>> export_run("outputs/cut", "html")          # writes outputs/cut/report.html

`content` gathers the tables once; `xlsx`, `document` → `html` / `markdown` render
them; `charts` draws with matplotlib (imported only here); `export` decides where
files go and writes them atomically.
"""

from __future__ import annotations

__all__ = ["export_run", "FORMATS"]

FORMATS = ("xlsx", "html", "md")


def export_run(run_dir, fmt: str, out=None, force: bool = False):
    from planner.report.export import export_run as run

    return run(run_dir, fmt, out, force)
