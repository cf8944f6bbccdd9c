"""`planner.inputs.schema` is the one spelling of the tables: read, validate and scaffold agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.inputs import read, scaffold, validate
from planner.inputs.schema import RESOURCE, SCHEMA, TABLES

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def test_every_reader_of_the_tables_takes_them_from_the_schema():
    assert read.TABLES is TABLES
    assert list(scaffold.COLUMNS) == list(TABLES)
    for name, table in SCHEMA.items():
        written = [c[0] for c in scaffold.COLUMNS[name]]
        assert [c for c in written if c in table.names] == list(table.names)  # the schema's columns, in order
        assert {c[0] for c in scaffold.COLUMNS[name] if c[1]} >= set(table.required)
    extra = [c[0] for c in scaffold.COLUMNS["options"] if c[0] not in SCHEMA["options"].names]
    assert extra == [r for r, _ in scaffold.EXAMPLE_RESOURCES]  # the only extra columns are resources
    assert RESOURCE.required and RESOURCE.lo == 0


@pytest.mark.parametrize("table", TABLES)
def test_a_missing_required_column_is_named_with_the_schema_list(table, tmp_path):
    from planner import load_scenario

    scaffold.init_scenario(tmp_path, "s")
    folder = tmp_path / "inputs" / "s"
    column = SCHEMA[table].required[-1]
    path = folder / f"{table}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    keep = [i for i, c in enumerate(header) if c != column]
    path.write_text("\n".join(",".join(line.split(",")[i] for i in keep) for line in lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "models" / "s.yaml")
    [problem] = err.value.problems
    assert problem.column == column and problem.file.endswith(f"{table}.csv")
    assert problem.message == f"required column is missing; the table needs {', '.join(SCHEMA[table].required)}"


def test_scaffold_example_validates_against_the_schema(tmp_path):
    from planner import load_scenario

    scaffold.init_scenario(tmp_path, "s")
    sc = load_scenario(tmp_path / "models" / "s.yaml")
    assert sc.partners["risk"].tolist() == [SCHEMA["partners"].column("risk").example]
    assert validate.SCHEMA is SCHEMA
