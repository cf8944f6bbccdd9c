"""The documentation stays true: the README's tour runs, every command and rule family is
documented, every example names real options, every relative link resolves.

- The tour: every `planner …` line in the README's ```bash blocks runs through Click's
  CliRunner, in order, in a temporary folder holding copies of `models/` and `inputs/` (the
  commands name their `--out` folders, so a later command finds an earlier one's run).
  A line may end in `# exit N` to document a non-zero exit status.
- The Python API example of docs/api.md runs as written.
- Commands: every name in `planner.cli.COMMANDS` has a `## planner <name>` section in
  docs/commands.md and an example in its `--help`.
- Examples: every `planner …` line in the pages and in each command's `--help` uses a real
  command and real options.
- Rule families: every name in `planner.model.rules.family_names()` has a `## <family>`
  section in docs/rules.md whose YAML example validates on the baseline.
- Links: every relative link (and image) in README.md, docs/*.md and benchmarks/README.md
  points to a file that exists, and an `#anchor` into a Markdown file to one of its headings.
- Code names: every `planner.module.name` and `planner/path` those pages mention exists, so
  a moved module cannot leave a page behind.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from planner.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md")), REPO / "benchmarks" / "README.md"]

FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.S | re.M)
EXIT_NOTE = re.compile(r"#\s*exit\s+(\d+)\s*$")


def fenced(text: str, lang: str) -> list[str]:
    """The bodies of the ```lang blocks of a Markdown text."""
    return [body for tag, body in FENCE.findall(text) if tag == lang]


def without_code(text: str) -> str:
    """Markdown text with fenced blocks and inline code removed (their # and [] are not Markdown)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def planner_lines(text: str) -> list[tuple[list[str], int]]:
    """(arguments after `planner`, expected exit status) for each `planner …` line of the ```bash
    blocks; backslash continuations joined; `# exit N` at the end of a line sets the status."""
    out = []
    for block in fenced(text, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix(".venv/bin/")  # the tour's no-activated-venv form
            if not line.startswith("planner "):
                continue
            note = EXIT_NOTE.search(line)
            words = shlex.split(line, comments=True)
            # `planner a && planner b` is two commands
            commands = [[]]
            for word in words:
                if word == "&&":
                    commands.append([])
                else:
                    commands[-1].append(word)
            for i, cmd in enumerate(commands):
                if cmd and cmd[0] == "planner":
                    out.append((cmd[1:], int(note.group(1)) if note and i == len(commands) - 1 else 0))
    return out


def headings(path: Path, level: int) -> list[str]:
    """The text of a Markdown file's headings of one level (outside code), backticks dropped."""
    marks = "#" * level
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return [m.group(1).replace("`", "").strip() for m in re.finditer(rf"^{marks} (.+)$", text, re.M)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for level in range(1, 7):
        for h in headings(path, level):
            s = slug(h)
            n = 0
            while (s if n == 0 else f"{s}-{n}") in found:
                n += 1
            found.add(s if n == 0 else f"{s}-{n}")
    return found


# --- the tour -------------------------------------------------------------------------


def test_readme_tour_runs_without_an_activated_venv():
    """Issue 22: every tour command is written as `.venv/bin/planner …`, which needs no activated venv."""
    tour = README.read_text(encoding="utf-8").split("## A five-minute tour")[1].split("\n## ")[0]
    lines = [line.strip() for block in fenced(tour, "bash") for line in block.splitlines() if "planner " in line]
    assert lines and all(line.startswith(".venv/bin/planner ") for line in lines), lines


def test_readme_tour_covers_what_the_issue_asks():
    commands = [args for args, _ in planner_lines(README.read_text(encoding="utf-8"))]
    names = [args[0] for args in commands]
    assert {"solve", "explain", "sweep", "export"} <= set(names), names
    assert any("limits.budget_musd=" in " ".join(a) or "budget-cut" in " ".join(a) for a in commands if a[0] == "solve")
    assert any("--vary" in a and "limits.budget_musd=" in " ".join(a) for a in commands if a[0] == "sweep")
    assert any("--to" in a and "html" in a for a in commands if a[0] == "export")


@pytest.mark.slow
def test_readme_tour_runs(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    lines = planner_lines(text)
    assert len(lines) >= 5
    shutil.copytree(REPO / "models", tmp_path / "models")
    shutil.copytree(REPO / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    for args, expected in lines:
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == expected, f"planner {shlex.join(args)} exited {result.exit_code}:\n{result.output}"

    # The figures the tour quotes are the ones the runs produce.
    base = json.loads((tmp_path / "outputs/tour/base/summary.json").read_text(encoding="utf-8"))
    cut = json.loads((tmp_path / "outputs/tour/cut/summary.json").read_text(encoding="utf-8"))
    assert base["status"] == cut["status"] == "optimal"
    assert f"objective {base['objective']:g}, {base['selected']} options" in text
    assert f"falls to {cut['objective']:g} while the portfolio grows to {cut['selected']} options" in text
    assert (tmp_path / "outputs/tour/base/report.html").is_file()
    assert (tmp_path / "outputs/tour/sweep/sweep.csv").is_file()


@pytest.mark.slow
def test_api_example_runs(tmp_path, monkeypatch):
    """docs/api.md's ```python block runs as written (in a copy of models/ and inputs/)."""
    shutil.copytree(REPO / "models", tmp_path / "models")
    shutil.copytree(REPO / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    blocks = fenced((DOCS / "api.md").read_text(encoding="utf-8"), "python")
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)
    assert namespace["result"].status == "optimal"
    assert (tmp_path / "outputs/cut/report.xlsx").is_file()
    assert len(blocks) == 2 and (tmp_path / "outputs/robust/report.html").is_file()


# --- commands -------------------------------------------------------------------------


def command(name: str) -> click.Command:
    cmd = cli.get_command(click.Context(cli), name)
    assert cmd is not None, f"planner {name}: no such command"
    return cmd


def option_names(cmd: click.Command) -> set[str]:
    return {opt for p in cmd.params if isinstance(p, click.Option) for opt in (*p.opts, *p.secondary_opts)} | {
        "--help",
        "-h",
    }


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_section_and_a_help_example(name):
    assert f"planner {name}" in headings(DOCS / "commands.md", 2), (
        f"planner {name} has no '## planner {name}' section in docs/commands.md"
    )
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and f"planner {name}" in result.output, f"planner {name} --help shows no example"


def test_commands_page_documents_only_real_commands():
    documented = {h.split()[1] for h in headings(DOCS / "commands.md", 2) if h.startswith("planner ")}
    assert documented == set(COMMANDS)


def _help_examples(name: str) -> str:
    """The `planner …` lines of a command's --help (with their continuation lines), as a ```bash block."""
    lines: list[str] = []
    for line in CliRunner().invoke(cli, [name, "--help"]).output.splitlines():
        line = line.strip()
        if line.startswith("planner ") or (lines and lines[-1].endswith("\\")):
            lines.append(line)
    return "```bash\n" + "\n".join(lines) + "\n```\n"


@pytest.mark.parametrize("source", [*(p.relative_to(REPO).as_posix() for p in PAGES), "--help"])
def test_examples_use_real_commands_and_options(source):
    """Every `planner …` example (in the docs, or in a command's --help) names a command and
    options that exist, so an example cannot outlive a renamed option."""
    if source == "--help":
        texts = [(f"planner {n} --help", _help_examples(n)) for n in sorted(COMMANDS)]
    else:
        texts = [(source, (REPO / source).read_text(encoding="utf-8"))]
    for where, text in texts:
        for args, _ in planner_lines(text):
            cmd = command(args[0])
            known = option_names(cmd)
            used = {a.split("=", 1)[0] for a in args[1:] if a.startswith("-") and not re.fullmatch(r"-[\d.]+", a)}
            assert used <= known, f"{where}: planner {shlex.join(args)} uses unknown {sorted(used - known)}"


# --- rule families ----------------------------------------------------------------------


def rules_doc_examples() -> dict[str, dict]:
    """family → the YAML example of its section in docs/rules.md, parsed."""
    import yaml

    from planner.model.rules import family_names

    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    out = {}
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    for section in sections:
        title = section.splitlines()[0].replace("`", "").strip()
        if title in family_names():
            blocks = fenced(section, "yaml")
            assert blocks, f"docs/rules.md ## {title}: no ```yaml example"
            out[title] = yaml.safe_load(blocks[0])
    return out


def test_every_rule_family_has_a_section():
    from planner.model.rules import family_names

    documented = headings(DOCS / "rules.md", 2)
    missing = [f for f in family_names() if f not in documented]
    assert not missing, f"rule families without a '## <family>' section in docs/rules.md: {missing}"


def test_rules_doc_examples_validate_on_the_baseline():
    # Was test_rules_validate.py's README check; the examples moved to docs/rules.md.
    from planner.api import load_scenario
    from planner.model.rules import active_rules, family_names

    examples = rules_doc_examples()
    assert set(examples) >= set(family_names()) - {"forbid"}  # require / forbid share a row
    rules = {}
    for example in examples.values():
        rules.update(example)
    top_level = {"replan"}  # sections beside rules:, not under it
    overrides = [f"{'' if k in top_level else 'rules.'}{k}={json.dumps(v)}" for k, v in rules.items()]
    sc = load_scenario(REPO / "models" / "baseline.yaml", overrides)
    assert set(family_names()) <= set(active_rules(sc))


def test_each_rule_example_states_only_its_own_family():
    assert all(list(example) == [family] for family, example in rules_doc_examples().items())


# --- links ----------------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(without_code(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: …
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_readme_links_every_docs_page():
    text = README.read_text(encoding="utf-8")
    missing = [p.name for p in DOCS.glob("*.md") if f"(docs/{p.name})" not in text]
    assert not missing, f"README.md does not link {missing}"


# --- names of modules and functions -----------------------------------------------------

DOTTED = re.compile(r"`(planner(?:\.[A-Za-z_]\w*)+)")
PATH = re.compile(r"`(planner/[\w/]*(?:\.py)?)")


def resolves(dotted: str) -> bool:
    """Whether `planner.a.b.c` is a module or an attribute of one (longest module prefix first)."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_named_modules_and_paths_exist(page):
    text = page.read_text(encoding="utf-8")
    stale = [name for name in sorted(set(DOTTED.findall(text))) if not resolves(name)]
    stale += [path for path in sorted(set(PATH.findall(text))) if not (REPO / path).exists()]
    assert not stale, f"{page.relative_to(REPO)} names what does not exist: {stale}"
