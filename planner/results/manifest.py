"""The run folder's contract: every file and field each kind of run writes, and how
`planner check` verifies it — or why it cannot.

Each kind of run folder (solve, sweep, frontier, tranches, montecarlo, alternatives, robust,
explain, value, rival, pareto) is declared once, by one module that holds both its manifest and its check:
`KINDS` maps the kind to that module, which defines `SPEC`, a `KindSpec`:

- `files`: every file the kind writes (required or not, e.g. `resources_by_year.csv` only
  under time phasing, reports only with `--report`);
- `fields`: every field of those files — JSON keys as dotted paths, CSV columns — each
  `VERIFIED` (recomputed from the inputs and the reported portfolio through the model's one
  evaluation, `planner.results.evaluation.evaluate`, or from other verified figures),
  `RESOLVED` (recomputed by re-solving: the figure is itself an optimum, e.g. a re-plan's
  clean-sheet plan) or `UNVERIFIABLE`, with the reason (timings, versions, settings as given,
  a solver's claim that only a re-solve could confirm and check does not re-solve);
- `recognise(files)`: whether a folder's contents are of this kind (the marker
  `.planner-run`, when present, names the kind; its `kind` must agree with the contents);
- `check(ctx)`: compares every VERIFIED / RESOLVED field present with its recomputation
  (`planner.results.audit.Context`); a test tampers with each and expects a finding naming
  the file and the field, and another fails when a run writes a field no manifest declares.

To add a kind: write `planner/results/audit_<kind>.py` with `SPEC = KindSpec(...)` and add one
line to `KINDS`. Nothing else changes: `planner check` dispatches through `KINDS`, the tests
walk every registered kind, `planner check --json` lists the kind's fields.

Field paths. JSON: keys joined by `.`; `[]` stands for each element of a list (a list of
plain values is one field); `<name>` for a key that is an id of the data (`<resource>`,
`<partner>`, `<option>`, `<gap>`, `<sector>`, `<factor>`, `<status>`, `<step>`, `<axis>`),
and `**` for any rest of the path. CSV: the column name, where `<name>` stands for an id
(`<resource>_used`: one column per resource) — so a field the manifest does not name is
caught, and an id column of an id the data does not have as well.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if TYPE_CHECKING:
    from planner.io.runs import RunFiles
    from planner.results.audit import Context

KeyPath = tuple[str | int, ...]  # a concrete path: JSON keys and list indices, or (CSV column,)

# One line per kind: the module that declares it (its `SPEC`). In the order `recognise` is tried.
KINDS: dict[str, str] = {
    "solve": "planner.results.audit_solve",
    "sweep": "planner.results.audit_sweep",
    "frontier": "planner.results.audit_frontier",
    "tranches": "planner.results.audit_tranches",
    "montecarlo": "planner.results.audit_montecarlo",
    "alternatives": "planner.results.audit_alternatives",
    "robust": "planner.results.audit_robust",
    "explain": "planner.results.audit_explain",
    "value": "planner.results.audit_value",
    "rival": "planner.results.audit_rival",
    "pareto": "planner.results.audit_pareto",
}


class How(StrEnum):
    """How `planner check` stands behind a field."""

    VERIFIED = "verified"  # recomputed from the inputs and the portfolio (numpy face), or from verified figures
    RESOLVED = "resolved"  # recomputed by re-solving: the figure is itself an optimum
    UNVERIFIABLE = "unverifiable"  # declared, with the reason check cannot (or does not) recompute it

    @property
    def checked(self) -> bool:
        return self is not How.UNVERIFIABLE


@dataclass(frozen=True)
class FileSpec:
    name: str  # a file name, or a folder's files as `name/*`
    required: bool
    note: str


@dataclass(frozen=True)
class Field:
    """One declared field: `path` in `file` (see the module doc), how check verifies it, and the
    note (how, or why not). `blame`: the file check names when the field disagrees, where it
    cannot tell which of two files was edited (a digest and what it digests)."""

    file: str
    path: str
    how: How
    note: str
    blame: str | None = None

    @cached_property
    def pattern(self) -> tuple[str, ...]:
        return split_pattern(self.path, self.file)

    def to_dict(self) -> dict[str, str]:
        out = {
            "file": self.file,
            "field": self.path,
            "how": self.how.value,
            ("why" if self.how is How.UNVERIFIABLE else "check"): self.note,
        }
        if self.blame:
            out["blamed_on"] = self.blame
        return out


@dataclass(frozen=True)
class KindSpec:
    kind: str
    summary: str  # one line: which command writes it
    files: tuple[FileSpec, ...]
    fields: tuple[Field, ...]
    recognise: Callable[["RunFiles"], bool]
    check: Callable[["Context"], None]
    vocabulary: Callable[["Context"], dict[str, set[str]]] = field(default=lambda ctx: {})

    def field_of(
        self, file: str, path: Iterable[str | int], vocab: Mapping[str, set[str]] | None = None
    ) -> Field | None:
        """The declared field a concrete path of `file` falls under (the first that matches), else None."""
        concrete = tuple(path)
        for f in self.fields:
            if f.file == file and matches(f.pattern, concrete, vocab):
                return f
        return None

    def file_spec(self, name: str) -> FileSpec | None:
        for spec in self.files:
            if spec.name == name or (spec.name.endswith("/*") and name.startswith(spec.name[:-1])):
                return spec
        return None


def spec(kind: str) -> KindSpec:
    """The declaration of `kind` (KeyError for a kind no module declares)."""
    return _load(KINDS[kind])


@lru_cache(maxsize=None)
def _load(module: str) -> KindSpec:
    declared: KindSpec = importlib.import_module(module).SPEC
    return declared


def specs() -> list[KindSpec]:
    return [spec(k) for k in KINDS]


def recognise(files: "RunFiles") -> str | None:
    """The kind a folder's contents are (the first registered kind that recognises them), or None."""
    for kind in KINDS:
        if spec(kind).recognise(files):
            return kind
    return None


# ---------------------------------------------------------------- paths


def split_pattern(path: str, file: str) -> tuple[str, ...]:
    """A declared path as segments: a CSV column is one segment; JSON splits at `.` and `[]`."""
    if file.endswith(".csv"):
        return (path,)
    out: list[str] = []
    for part in path.split("."):
        while part.endswith("[]"):
            part = part[:-2]
            out.append(part)
            out.append("[]")
            part = ""
        if part:
            out.append(part)
    return tuple(p for p in out if p != "")


_PLACEHOLDER = re.compile(r"<([a-z_ ]+)>")


def _segment_matches(pattern: str, value: str | int, vocab: Mapping[str, set[str]] | None) -> bool:
    if pattern == "[]":
        return isinstance(value, int)
    if isinstance(value, int):
        return False
    if "<" not in pattern:
        return pattern == value
    parts = _PLACEHOLDER.split(pattern)  # literal, name, literal, name, …
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        elif part == "n":
            regex += r"\d+"
        elif vocab is not None and part in vocab:
            regex += (
                "(?:" + "|".join(re.escape(v) for v in sorted(vocab[part], key=len, reverse=True)) + ")"
                if vocab[part]
                else "(?!)"
            )
        else:
            regex += ".+"
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def matches(pattern: tuple[str, ...], concrete: KeyPath, vocab: Mapping[str, set[str]] | None = None) -> bool:
    """Whether a concrete path (keys, list indices as ints) falls under a declared pattern."""
    if not pattern:
        return not concrete
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(matches(rest, concrete[i:], vocab) for i in range(len(concrete) + 1))
    if not concrete or not _segment_matches(head, concrete[0], vocab):
        return False
    return matches(rest, concrete[1:], vocab)


def render(path: Iterable[str | int]) -> str:
    """A concrete path as text: `resources.budget_musd.used`, `alternatives[0].loss`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def json_leaves(data: Any, prefix: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    """Every field of a JSON document: (path, value) of each leaf. A list of plain values is one
    leaf; a list of objects is walked element by element; empty objects and lists hold no field."""
    out: list[tuple[KeyPath, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(json_leaves(value, (*prefix, str(key))))
        return out
    if isinstance(data, list) and any(isinstance(v, (dict, list)) for v in data):
        for i, value in enumerate(data):
            out.extend(json_leaves(value, (*prefix, i)))
        return out
    if isinstance(data, (dict, list)) and not data:
        return []
    return [(prefix, data)]


def folder_fields(files: "RunFiles") -> list[tuple[str, KeyPath]]:
    """Every (file, path) a folder holds: each JSON leaf, each CSV column."""
    out: list[tuple[str, KeyPath]] = []
    for name, data in files.json.items():
        out.extend((name, path) for path, _ in json_leaves(data))
    for name, table in files.csv.items():
        out.extend((name, (column,)) for column in table.header)
    return out


# ---------------------------------------------------------------- the manifest as data


def manifest_dict(kind: str) -> dict[str, Any]:
    """A kind's declaration as plain data (`planner check --json`): files, verified fields
    (with how), unverifiable fields (with why)."""
    s = spec(kind)
    return {
        "kind": kind,
        "files": [{"name": f.name, "required": f.required, "note": f.note} for f in s.files],
        "verified": [f.to_dict() for f in s.fields if f.how.checked],
        "unverifiable": [f.to_dict() for f in s.fields if not f.how.checked],
    }


def manifest_markdown() -> str:
    """Every kind's manifest as Markdown tables (docs/outputs.md holds this text; a test compares)."""
    lines: list[str] = []
    for s in specs():
        files = ", ".join(f"`{f.name}`" + ("" if f.required else " (optional)") for f in s.files)
        lines += [
            f"### {s.kind}",
            "",
            s.summary,
            "",
            f"Files: {files}.",
            "",
            "| file | field | check | how / why |",
            "|---|---|---|---|",
        ]
        for f in s.fields:
            how = f.how.value + (f" (blamed on {f.blame})" if f.blame else "")
            note = f.note.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            lines.append(f"| `{f.file}` | `{f.path}` | {how} | {note} |")
        lines.append("")
    return "\n".join(lines)
