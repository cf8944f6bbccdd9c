"""`planner.io.numbers`: the one home of number formatting; each format pinned by example."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.io.numbers import fmt, fmt_bound, fmt_cell, fmt_data, fmt_fixed, fmt_num, fmt_number, fmt_percent

PLANNER = Path(__file__).resolve().parent.parent / "planner"


@pytest.mark.parametrize(
    "value, digits, text",
    [
        (None, 4, "—"),
        (3.0, 4, "3"),
        (1234567, 4, "1,234,567"),
        (0.123456, 4, "0.1235"),
        (2.5, 4, "2.5"),
        (-0.0, 4, "0"),
        (1234.5, 2, "1,234.5"),
        (math.inf, 4, "inf"),
        (-math.inf, 4, "-inf"),
        (math.nan, 4, "nan"),
    ],
)
def test_fmt_for_sentences(value, digits, text):
    assert fmt(value, digits) == text


@pytest.mark.parametrize(
    "value, text", [(3.0, "3"), (1234, "1234"), (0.1, "0.1"), (1 / 3, "0.333333333"), (-2.5, "-2.5")]
)
def test_fmt_num_pastes_back_into_set(value, text):
    assert fmt_num(value) == text
    assert float(text) == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize(
    "value, digits, text",
    [
        (None, 2, "—"),
        (1234.5, 2, "1,234.50"),
        (0.12345, 4, "0.1235"),
        (3, 2, "3"),
        ("x", 2, "x"),
        (math.nan, 2, "nan"),
    ],
)
def test_fmt_fixed_for_terminal_tables(value, digits, text):
    assert fmt_fixed(value, digits) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (None, "—"),
        (math.nan, "—"),
        (pd.NA, "—"),
        (np.float64(2.5), "2.50"),
        (np.int64(7), "7"),
        ("a;b", "a;b"),
        ([1, 2], "[1, 2]"),
    ],
)
def test_fmt_cell_handles_frame_cells(value, text):
    assert fmt_cell(value) == text


@pytest.mark.parametrize(
    "value, digits, text",
    [
        (None, 2, "—"),
        (math.nan, 2, "—"),
        (True, 2, "yes"),
        (False, 2, "no"),
        (1000.0, 2, "1,000"),
        (0.125, 2, "0.12"),
        (0.10, 4, "0.1"),
        (-0.0, 2, "-0"),
        ("text", 2, "text"),
    ],
)
def test_fmt_number_for_reports(value, digits, text):
    assert fmt_number(value, digits) == text


@pytest.mark.parametrize("value, text", [(None, "—"), (math.nan, "—"), (0.125, "12.5%"), (1, "100.0%")])
def test_fmt_percent(value, text):
    assert fmt_percent(value) == text


@pytest.mark.parametrize(
    "value, decimals, text", [(2.0, 2, "2"), (0.125, 2, "0.12"), (-0.001, 2, "0"), (10.55, 1, "10.6"), (3.10, 2, "3.1")]
)
def test_fmt_data_gives_stable_bytes(value, decimals, text):
    assert fmt_data(value, decimals) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (0, "0"),
        (0.5, "0.5"),
        (1900, "1900"),
        (1_000_000, "1000000"),
        (1e12, "1e12"),
        (-1e12, "-1e12"),
        (1e15, "1e15"),
        (1e-9, "1e-09"),
    ],
)
def test_fmt_bound_for_valid_ranges(value, text):
    assert fmt_bound(value) == text


def test_no_other_module_defines_a_number_formatter():
    """Say it once: number-to-text helpers live in planner/io/numbers.py only."""
    names = {
        "fmt",
        "fmt_num",
        "fmt_fixed",
        "fmt_cell",
        "fmt_number",
        "fmt_percent",
        "fmt_data",
        "_fmt",
        "_pct",
        "format_number",
        "fmt_bound",
        "json_text",
        "json_ready",
    }
    found = []
    for path in PLANNER.rglob("*.py"):
        if path.name == "numbers.py" and path.parent.name == "io":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
                found.append(f"{path.relative_to(PLANNER)}:{node.lineno} {node.name}")
    assert not found, found
