"""Read a spreadsheet register (CSV or XLSX) into plain rows, as a person laid it out.

Registers kept in Excel are rarely a clean table: a title row and merged group headings
sit above the real header, rows are left blank, cells carry stray spaces. This module
only gets the cells out faithfully (with their row numbers, so every finding can say
where it came from); deciding what a column means is the importer's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..contract.settings import ConfigError


class Formula(str):
    """The text of a formula cell the workbook holds no computed value for.

    A workbook written by a script (or saved without recalculating) stores formulas
    without their results; ``data_only`` then reads the cell as empty. The formula text
    is all the file has, so it is kept, marked, rather than lost.
    """


Cell = str | int | float | bool | dt.date | dt.datetime | None

# How many rows from the top may hold titles and group headings above the real header.
HEADER_SEARCH_ROWS = 10


@dataclass
class Sheet:
    """The cells of one sheet: ``rows[i]`` is spreadsheet row ``numbers[i]`` (1-based)."""

    name: str
    rows: list[list[Cell]]
    numbers: list[int]


@dataclass
class Table:
    """A sheet split at its header row: column headings and the data rows below."""

    source: str
    headings: list[str]
    groups: list[str]
    header_row: int
    rows: list[tuple[int, list[Cell]]]


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The cells of a CSV file or of one worksheet of an XLSX workbook."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        if sheet:
            raise ConfigError("--sheet applies to XLSX workbooks, not CSV files")
        return _read_csv(path)
    raise ConfigError(f"{path}: not a .csv or .xlsx file (an old .xls? save it as .xlsx)")


def sheet_names(path: Path) -> list[str | None]:
    """The worksheets of an XLSX workbook in order, or [None] for a CSV file (one sheet)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return [None]
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - read_sheet says why the workbook cannot be read
        return [None]
    try:
        return list(book.sheetnames) or [None]
    finally:
        book.close()


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else Windows-1252: what Excel writes on Windows."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel in most of Europe) or tab, judged on the first lines."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t"}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(path: Path) -> Sheet:
    text = decode_csv(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    end = 0
    for row in reader:
        rows.append(list(row))
        # the line a record starts on, as a text editor shows it, even after a quoted
        # multi-line cell (csv counts physical lines)
        numbers.append(end + 1)
        end = reader.line_num
    return Sheet(path.name, rows, numbers)


def _read_xlsx(path: Path, sheet: str | None) -> Sheet:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise ConfigError("reading .xlsx needs openpyxl: pip install openpyxl") from None
    try:
        # Not read-only: merged ranges are only known to a fully loaded workbook.
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise ConfigError(f"{path}: cannot be read as an XLSX workbook: {exc}") from None
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise ConfigError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
        ws = book[sheet]
    else:
        ws = book.worksheets[0]
    grid: dict[tuple[int, int], Cell] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                grid[(cell.row, cell.column)] = cell.value
    if _has_uncomputed_formula(path):
        grid.update(_uncomputed_formulas(path, ws.title, grid))
    # A merged heading holds its text in the top-left cell only; give every cell of the
    # range that text, so a heading merged down over the header row is still seen there.
    for merged in ws.merged_cells.ranges:
        value = grid.get((merged.min_row, merged.min_col))
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                grid[(r, c)] = value
    if not grid:
        return Sheet(ws.title, [], [])
    last_row = max(r for r, _ in grid)
    last_col = max(c for _, c in grid)
    rows = [[grid.get((r, c)) for c in range(1, last_col + 1)] for r in range(1, last_row + 1)]
    return Sheet(ws.title, rows, list(range(1, last_row + 1)))


# A formula element with no value after it: <f>TODAY()</f><v/></c>, or a shared formula's
# <f t="shared" si="0"/></c>. Excel writes <v> after <f> when it has a result.
_UNCOMPUTED = re.compile(
    rb"<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")


def _has_uncomputed_formula(path: Path) -> bool:
    """Whether any worksheet holds a formula without its result: a cheap look at the XML
    that spares the second, formula-reading pass over a workbook Excel saved."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(_UNCOMPUTED.search(archive.read(name))
                       for name in archive.namelist()
                       if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    except (OSError, zipfile.BadZipFile, KeyError):
        return False


def _uncomputed_formulas(path: Path, title: str,
                         values: dict[tuple[int, int], Cell]) -> dict[tuple[int, int], Cell]:
    """The formula text of each cell that has a formula but no computed value."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - it loaded once; without formulas we keep what we have
        return {}
    found: dict[tuple[int, int], Cell] = {}
    try:
        rows = book[title].iter_rows(min_row=1, min_col=1, values_only=True)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                text = getattr(value, "text", value)  # an ArrayFormula keeps it in .text
                if (isinstance(text, str) and text.startswith("=")
                        and values.get((r, c)) is None):
                    found[(r, c)] = Formula(text)
    finally:
        book.close()
    return found


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Cell) -> str:
    """A cell as a person would read it, whitespace trimmed; dates without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def split_table(sheet: Sheet, score: Callable[[list[str]], float], source: str) -> Table:
    """Find the header row among the first rows (the best-scoring one) and cut the table.

    ``score`` says how many cells of a row look like known headings. On a tie the lower
    row wins: sub-headings sit under their merged group label. The nearest non-blank row
    above the header gives each column its group label (e.g. "Corrective action").
    """
    best, best_score = -1, 0
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        value = score([cell_text(c) for c in row])
        if value >= best_score and value > 0:
            best, best_score = index, value
    if best < 0:
        raise ConfigError(
            f"{source}: no header row found in the first {HEADER_SEARCH_ROWS} rows (no column "
            "looks like ID, Title, Severity, Status, ...); name the columns with --map")
    headings = [" ".join(cell_text(c).split()) for c in sheet.rows[best]]
    groups = [""] * len(headings)
    for above in reversed(sheet.rows[:best]):
        texts = [" ".join(cell_text(c).split()) for c in above]
        if sum(1 for t in texts if t) > 1:
            groups = [texts[i] if i < len(texts) else "" for i in range(len(headings))]
            break
    data = [(number, row) for number, row in zip(sheet.numbers[best + 1 :],
                                                 sheet.rows[best + 1 :], strict=True)
            if not all(is_blank(c) for c in row)]
    width = max([len(headings), *(_used_width(row) for _, row in data)])
    # cells beyond the header keep a heading of their own: nothing a user had is lost
    headings += [f"(column {i + 1})" for i in range(len(headings), width)]
    groups += [""] * (width - len(groups))
    rows = [(number, list(row[:width]) + [None] * (width - len(row))) for number, row in data]
    return Table(source, headings, groups, sheet.numbers[best], rows)


def _used_width(row: list[Cell]) -> int:
    for index in range(len(row), 0, -1):
        if not is_blank(row[index - 1]):
            return index
    return 0
