"""Reading a spreadsheet (.xlsx, .xls, .ods) into a plain grid, merged cells filled in.

python-calamine (Rust) reads all three formats and is many times faster than openpyxl's
read-only mode (see docs/benchmarks.md). It reports merged ranges for .xlsx and .xls; for .ods
it does not, so the spans are read from ``content.xml`` here. A merged range's value is copied
into every cell of the range: a unit merged over five rows is the unit of each of those rows.

Row and column numbers in a :class:`Grid` are 0-based and absolute, so ``row + 1`` is the row
number Excel shows.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from effdesk.errors import EffDeskError

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
Cell = str | int | float | bool | date | datetime | time | timedelta | None

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


@dataclass(frozen=True)
class MergedRange:
    first_row: int
    first_col: int
    last_row: int
    last_col: int


@dataclass
class Grid:
    """One sheet: ``rows[r][c]`` (0-based, absolute); short rows are padded with None."""

    name: str
    rows: list[list[Cell]]
    merged: list[MergedRange] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cell(self, row: int, col: int) -> Cell:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def merged_at(self, row: int, col: int) -> MergedRange | None:
        for rng in self.merged:
            if rng.first_row <= row <= rng.last_row and rng.first_col <= col <= rng.last_col:
                return rng
        return None


def read_workbook(path: Path) -> list[Grid]:
    """Every sheet of the file with merged cells filled; EffDeskError naming the file if it
    cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise EffDeskError(
            f"无法导入「{path.name}」：只支持 Excel 工作簿（.xlsx、.xls）和 WPS/LibreOffice 表格（.ods）。"
        )
    if not path.is_file():
        raise EffDeskError(f"找不到文件「{path}」。")
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise EffDeskError(
            f"无法读取「{path.name}」：文件已损坏、被加密或不是{suffix}格式（{exc}）。"
        ) from exc
    ods_spans = _ods_merged_ranges(path) if suffix == ".ods" else {}
    grids: list[Grid] = []
    try:
        for index, name in enumerate(book.sheet_names):
            sheet = book.get_sheet_by_index(index)
            raw = sheet.to_python(skip_empty_area=False)
            rows: list[list[Cell]] = [[_clean(v) for v in r] for r in raw]
            spans = sheet.merged_cell_ranges
            merged = (
                [MergedRange(a[0], a[1], b[0], b[1]) for a, b in spans]
                if spans is not None
                else ods_spans.get(index, [])
            )
            grid = Grid(name=name, rows=rows, merged=merged)
            _fill_merged(grid)
            grids.append(grid)
    finally:
        book.close()
    return grids


def _clean(value: Any) -> Cell:
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return value  # type: ignore[no-any-return]


def _fill_merged(grid: Grid) -> None:
    for rng in grid.merged:
        value = grid.cell(rng.first_row, rng.first_col)
        while len(grid.rows) <= rng.last_row:
            grid.rows.append([])
        for r in range(rng.first_row, rng.last_row + 1):
            row = grid.rows[r]
            if len(row) <= rng.last_col:
                row.extend([None] * (rng.last_col + 1 - len(row)))
            for c in range(rng.first_col, rng.last_col + 1):
                row[c] = value


def _ods_merged_ranges(path: Path) -> dict[int, list[MergedRange]]:
    """Merged spans of each sheet of an .ods file, from its content.xml (calamine has none)."""
    out: dict[int, list[MergedRange]] = {}
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            sheet = -1
            row = 0
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                tag = elem.tag
                if event == "start" and tag == f"{{{_ODS_TABLE}}}table":
                    sheet += 1
                    row = 0
                    out[sheet] = []
                elif event == "end" and tag == f"{{{_ODS_TABLE}}}table-row":
                    repeat = int(elem.get(f"{{{_ODS_TABLE}}}number-rows-repeated", "1"))
                    for span in _row_spans(elem, row):
                        out[sheet].append(span)
                    row += repeat
                    elem.clear()
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        return {}
    return out


def _row_spans(row_elem: ET.Element, row: int) -> Iterator[MergedRange]:
    col = 0
    for cell in row_elem:
        local = cell.tag.rsplit("}", 1)[-1]
        if local not in ("table-cell", "covered-table-cell"):
            continue
        repeat = int(cell.get(f"{{{_ODS_TABLE}}}number-columns-repeated", "1"))
        rows = int(cell.get(f"{{{_ODS_TABLE}}}number-rows-spanned", "1"))
        cols = int(cell.get(f"{{{_ODS_TABLE}}}number-columns-spanned", "1"))
        if local == "table-cell" and (rows > 1 or cols > 1):
            yield MergedRange(row, col, row + rows - 1, col + cols - 1)
        col += repeat
