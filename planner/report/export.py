"""Export a run folder as xlsx, html or md: where the file goes, atomically, never by surprise.

Where: by default `RUN_DIR/report.<ext>`; `out` may name a file (its suffix must match
the format) or an existing folder (the report goes inside it as `report.<ext>`). The
Markdown report's charts go in `<stem>_charts/` beside it. Every name written is a
fixed name or derived from `out` itself, never from the run's data, and is checked to
stay inside the chosen folder.

How: each file is written to a temporary sibling and renamed into place (the chart
folder likewise), so a crash leaves either the old report or the new one. An existing
report (or chart folder) is never replaced unless `force=True`, and even then only if
this tool wrote it: a report carries the tool's signature (xlsx: creator
`partnership-planner`; html: `<meta name="generator" content="partnership-planner">`;
md: its footer "Written by Partnership Planner"), a chart folder the `.planner-run` marker
(kind `charts`). Anything else — the analyst's own file of that name, a symbolic link, a
folder — is refused (`OutputRefused`, exit 2) with or without `force`.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from planner.errors import InputError, OutputRefused, Problem, Refusal
from planner.io.runfolder import atomic_dir, atomic_file, is_run_folder, safe_child

if TYPE_CHECKING:
    from planner.results.result import Result

FORMATS = {"xlsx": ".xlsx", "html": ".html", "md": ".md"}
REPORT_STEM = "report"
CHARTS_KIND = "charts"  # the marker kind of a Markdown report's chart folder
SIGNATURE_BYTES = 1 << 16  # how much of a report is read to find the tool's signature
SIGNATURES = {  # what every report this tool writes carries (planner.report.html, .markdown, .xlsx)
    ".html": b'<meta name="generator" content="partnership-planner">',
    ".md": b"Written by Partnership Planner",
    ".xlsx": b"<dc:creator>partnership-planner</dc:creator>",
}


@dataclass(frozen=True)
class ExportResult:
    format: str
    path: Path
    files: tuple[Path, ...]  # everything written, the report first
    charts: int
    sections: tuple[str, ...]  # sheet names (xlsx) or section headings (html, md)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "path": str(self.path),
            "files": [str(f) for f in self.files],
            "charts": self.charts,
            "sections": list(self.sections),
        }


def report_path(run_dir: str | Path, fmt: str, out: str | Path | None = None) -> Path:
    """Where the report goes (see the module docstring); InputError for a bad format or suffix."""
    if fmt not in FORMATS:
        raise InputError(Problem(file="--to", value=fmt, message=f"unknown format; choose one of {', '.join(FORMATS)}"))
    ext = FORMATS[fmt]
    if out is None:
        return _child(Path(run_dir), REPORT_STEM + ext)
    out = Path(out)
    if out.is_dir():
        return _child(out, REPORT_STEM + ext)
    if out.suffix.lower() != ext:
        raise InputError(
            Problem(
                file="--out",
                value=str(out),
                message=f"a {fmt} report must be a file ending in {ext} (or an existing folder)",
            )
        )
    if not out.name or out.name.startswith("."):
        raise InputError(
            Problem(file="--out", value=str(out), message="give the report a visible file name, e.g. report" + ext)
        )
    return _child(out.parent.absolute(), out.name)


def _child(folder: Path, name: str) -> Path:
    """`safe_child(folder, name)`, refusing a symbolic link there: a report is never written through one."""
    if (folder / name).is_symlink():
        raise OutputRefused(
            folder / name,
            Refusal.SYMLINK,
            "is a symbolic link; the planner does not write reports "
            "through links: choose another --out or remove the link yourself",
        )
    return safe_child(folder, name)


def chart_folder(path: Path) -> Path:
    """The folder of PNGs beside a Markdown report: `<stem>_charts`."""
    return safe_child(path.parent, f"{path.stem}_charts")


def written_by_planner(path: Path) -> bool:
    """`path` is a report (regular file, not a link) carrying this tool's signature, or a
    chart folder carrying its marker."""
    path = Path(path)
    if path.is_symlink():
        return False
    if path.is_dir():
        return is_run_folder(path)
    signature = SIGNATURES.get(path.suffix.lower())
    if signature is None or not path.is_file():
        return False
    try:
        if path.suffix.lower() == ".xlsx":
            with zipfile.ZipFile(path) as book:
                info = book.getinfo("docProps/core.xml")
                return info.file_size <= SIGNATURE_BYTES and signature in book.read(info)
        with open(path, "rb") as fh:
            head = fh.read(SIGNATURE_BYTES)
            fh.seek(max(0, path.stat().st_size - SIGNATURE_BYTES))
            return signature in head or signature in fh.read()  # html: in the head; md: in the footer
    except (OSError, KeyError, ValueError, RuntimeError, zipfile.BadZipFile):
        return False


def _refuse_existing(paths: list[Path], force: bool) -> None:
    """Without `force`, refuse any existing path; with it, refuse what this tool did not write."""
    existing = [p for p in paths if os.path.lexists(p)]
    if not existing:
        return
    if not force:
        raise InputError(
            [Problem(file=str(p), message="a report already exists here; pass --force to replace it") for p in existing]
        )
    for p in existing:
        if p.is_symlink():
            raise OutputRefused(
                p,
                Refusal.SYMLINK,
                "is a symbolic link; --force does not replace links: choose another --out or remove the link yourself",
            )
        if not written_by_planner(p):
            what = "folder" if p.is_dir() else "file"
            mark = (
                "has no .planner-run marker"
                if p.is_dir()
                else "does not carry the signature every Partnership Planner report has"
            )
            raise OutputRefused(
                p,
                Refusal.NOT_OUR_FILE,
                f"exists and is a {what} the planner did not write (it {mark}); --force replaces "
                "only the planner's own reports: choose another --out or remove it yourself",
            )


def export_run(run_dir: str | Path, fmt: str, out: str | Path | None = None, force: bool = False) -> ExportResult:
    """Write the run in `run_dir` as an xlsx, html or md report; return what was written."""
    from planner.report.content import gather

    path = report_path(run_dir, fmt, out)
    content = gather(run_dir)
    if fmt == "xlsx":
        _refuse_existing([path], force)
        from planner.report.xlsx import build_workbook

        wb = build_workbook(content)
        atomic_file(path, lambda tmp: wb.save(tmp))
        return ExportResult(fmt, path, (path,), 0, tuple(wb.sheetnames))

    from planner.report.document import Heading, build_document

    doc = build_document(content)
    sections = tuple(b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 2)
    if fmt == "html":
        _refuse_existing([path], force)
        from planner.report.html import render_html

        text = render_html(doc)
        atomic_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return ExportResult(fmt, path, (path,), len(doc.charts), sections)

    from planner.report.markdown import render_markdown

    folder = chart_folder(path)
    _refuse_existing([path, folder] if doc.charts else [path], force)
    written: list[Path] = []
    if doc.charts:
        with atomic_dir(folder, kind=CHARTS_KIND) as tmp:
            for chart in doc.charts:
                safe_child(tmp, f"{chart.key}.png").write_bytes(chart.png)
                written.append(folder / f"{chart.key}.png")
    text = render_markdown(doc, folder.name)
    atomic_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return ExportResult(fmt, path, (path, *written), len(written), sections)


def write_run_with_reports(result: Result, out_dir: str | Path, formats: Sequence[str]) -> list[Path]:
    """`outputs.write_run` plus reports inside the run folder, all landing in one rename.

    Returns the report files as they will be after the rename (under `out_dir`).
    """
    from planner.io.runfolder import write_run

    written: list[Path] = []
    target = Path(out_dir).absolute()

    def add(folder: Path) -> None:
        root = Path(folder).resolve()
        for fmt in dict.fromkeys(formats):
            report = export_run(root, fmt)
            written.extend(target / f.relative_to(root) for f in report.files)

    write_run(result, out_dir, extra=add)
    return written
