"""Parse table files into frames of strings whose rows keep their spreadsheet numbers.

Row numbers are what a spreadsheet shows: the header is row 1, the first data row row 2,
and every record counts — a blank line or a row of empty cells in the middle of a table
stays a row (and is reported where it is), so no message points at the wrong row. Only
empty rows after the last data row are ignored (spreadsheets and editors leave them).

Accepted, because spreadsheet programs write them: a UTF-8 byte-order mark; comma,
semicolon or tab separators (whichever the header row uses most, outside quotes); quoted
cells (with doubled quotes and line breaks inside); CRLF line ends; rows missing trailing
empty cells. Refused with file, row and column: text that is not UTF-8, a row with more
cells than the header, an unterminated quote, NUL bytes. Header names are kept exactly
(trimmed), so duplicate or blank names reach the validator instead of being renamed.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from planner.errors import InputError, Problem

csv.field_size_limit(1 << 24)  # a 16 MiB cell is already absurd; the default 128 KiB is too tight for rationale text


def column_name(index: int) -> str:
    """Spreadsheet column letters of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sniff_delimiter(text: str) -> str:
    """',', ';' or tab: the one the header row uses most outside quoted cells (ties: ',')."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            break
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] else ","


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); otherwise an InputError naming the row and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8-sig", errors="replace")
        row, column, value = None, None, None
        try:
            rows = list(csv.reader(io.StringIO(text.replace("\0", "")), delimiter=sniff_delimiter(text)))
            header = rows[0] if rows else []
            for r, cells in enumerate(rows, start=1):
                for c, cell in enumerate(cells):
                    if "\ufffd" in cell:
                        row, value = r, cell
                        named = r > 1 and c < len(header) and header[c].strip() and "\ufffd" not in header[c]
                        column = header[c].strip() if named else column_name(c)
                        break
                if row is not None:
                    break
        except csv.Error:
            pass
        raise InputError(
            Problem(
                file=name,
                row=row,
                column=column,
                value=value,
                message=f"not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); save the table as UTF-8 "
                "(in Excel: 'CSV UTF-8 (Comma delimited)')",
            )
        ) from None


def _frame(rows: list[list[str]], name: str, max_rows: int, problems: list[Problem]) -> pd.DataFrame:
    """A DataFrame of strings from a header row and data rows (in file order, numbering kept)."""
    while len(rows) > 1 and not any(str(c).strip() for c in rows[-1]):
        rows.pop()  # trailing empty rows carry nothing; interior ones stay (and are reported)
    if not rows or not any(str(c).strip() for c in rows[0]):
        raise InputError(Problem(file=name, row=1, message="the first row is blank; row 1 must hold the column names"))
    header = [str(c).strip() for c in rows[0]]
    while (
        header
        and header[-1] == ""
        and all(len(r) < len(header) or not str(r[len(header) - 1]).strip() for r in rows[1:])
    ):
        header.pop()  # trailing empty header cells over empty columns: a spreadsheet's leftover formatting
    width = len(header)
    data = []
    for r, cells in enumerate(rows[1:], start=2):
        cells = ["" if c is None else str(c) for c in cells]
        if len(cells) > width:
            surplus = [(c, v) for c, v in enumerate(cells) if c >= width and v.strip()]
            if surplus:
                c, v = surplus[0]
                problems.append(
                    Problem(
                        file=name,
                        row=r,
                        column=column_name(c),
                        value=v,
                        message=f"row has {len(cells)} cells but the header names {width} columns; "
                        "a cell is outside every column (stray separator, or a cell that needs quotes?)",
                    )
                )
            cells = cells[:width]
        data.append(cells + [""] * (width - len(cells)))
    if len(data) > max_rows:
        problems.append(
            Problem(
                file=name,
                message=f"more than {max_rows:,} data rows; the planner refuses tables this "
                "large rather than run out of memory",
            )
        )
        data = data[:0]
    frame = (
        pd.DataFrame(data, columns=header, dtype=str)
        if data
        else pd.DataFrame({i: pd.Series([], dtype=str) for i in range(width)})
    )
    if not data:
        frame.columns = header
    return frame


def parse_csv(text: str, name: str, max_rows: int) -> pd.DataFrame:
    """A CSV text (see module doc) as a DataFrame of strings; InputError listing every problem."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(
            Problem(file=name, message="the file is empty; it needs a header row and at least one data row")
        )
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), skipinitialspace=True, strict=True
    )
    rows: list[list[str]] = []
    try:
        for cells in reader:
            rows.append(cells)
            if len(rows) > max_rows + 1:
                raise InputError(
                    Problem(
                        file=name,
                        message=f"more than {max_rows:,} data rows; the planner refuses tables "
                        "this large rather than run out of memory",
                    )
                )
    except csv.Error as exc:
        raise InputError(
            Problem(
                file=name,
                row=len(rows) + 1,
                message=f"cannot parse CSV near line {reader.line_num}: {exc} (an unmatched quote?)",
            )
        ) from None
    problems: list[Problem] = []
    if "\0" in text:  # binary junk: name the first cell that holds it
        r, c = next((r, c) for r, cells in enumerate(rows, start=1) for c, v in enumerate(cells) if "\0" in v)
        header = rows[0]
        column = header[c].strip() if r > 1 and c < len(header) and header[c].strip() else column_name(c)
        raise InputError(
            Problem(
                file=name,
                row=r,
                column=column,
                value=rows[r - 1][c],
                message="the cell holds a NUL byte; is this a text CSV file?",
            )
        )
    frame = _frame(rows, name, max_rows, problems)
    if problems:
        raise InputError(problems)
    return frame


def read_workbook(
    raw: bytes, name: str, tables: tuple[str, ...], max_rows: int
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem]]:
    """Sheets of an .xlsx workbook named like `tables` (case and spaces ignored), as frames of strings.

    Cells are read as text (numbers as their shortest text); merged header cells leave the
    non-anchor cells blank, which the validator reports as blank header cells.
    """
    try:
        sheets = pd.read_excel(
            io.BytesIO(raw), sheet_name=None, header=None, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt workbooks
        raise InputError(Problem(file=name, message=f"cannot read workbook: {exc}")) from None
    lower = {str(k).strip().lower(): k for k in sheets}
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for table in tables:
        files[table] = f"{name}[{table}]"
        if table not in lower:
            problems.append(
                Problem(
                    file=name,
                    message=f"required sheet '{table}' is missing; sheets found: "
                    f"{', '.join(map(str, sheets)) or 'none'}",
                )
            )
            continue
        sheet = sheets[lower[table]]
        rows = [["" if c is None else str(c) for c in row] for row in sheet.itertuples(index=False, name=None)]
        if not rows:
            problems.append(
                Problem(file=files[table], message="the sheet is empty; it needs a header row and data rows")
            )
            continue
        try:
            frames[table] = _frame(rows, files[table], max_rows, problems)
        except InputError as exc:
            problems.extend(exc.problems)
    return frames, files, problems
