"""Finding the header row under title rows and mapping Chinese headers to fields by meaning.

Each import kind declares its fields (:class:`FieldSpec`) with a synonym table. A header is
matched with a confidence: 1.0 for a synonym written exactly (or a mapping the office confirmed
at an earlier import of a ledger with the same headers), 0.95 once brackets and notes such as
"（年月日）" are removed, 0.7 when a synonym is only part of the header, 0.4 for headers that
merely share most characters. Anything below 0.9 is *unsure* and must be confirmed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from effdesk.services.ledger_import.reader import Cell, Grid
from effdesk.services.ledger_import.values import text_of

SURE = 0.9
HEADER_SCAN_ROWS = 30

_TOTAL_RE = re.compile(r"^(合\s*计|小\s*计|总\s*计|共\s*计|累\s*计)")
_NOTE_RE = re.compile(
    r"^(填表人|制表人|填报人|审核人|负责人|填表日期|制表日期|注[:：]|说明[:：]|备注[:：])"
)
_BRACKETS_RE = re.compile(r"[（(【\[].*?[）)】\]]")
_NOISE_RE = re.compile(r"[\s*＊:：\u3000]+")


@dataclass(frozen=True)
class FieldSpec:
    """One field an import can fill: its key, the label the user reads, its synonyms."""

    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """What one column of the sheet is taken to be. ``field`` None: not imported."""

    column: int
    header: str
    field: str | None
    confidence: float
    reason: str = ""

    @property
    def sure(self) -> bool:
        return self.field is None or self.confidence >= SURE

    @property
    def letter(self) -> str:
        return column_letter(self.column)


@dataclass
class SheetLayout:
    grid: Grid
    header_row: int  # 0-based
    columns: list[ColumnMapping]
    signature: str

    def column_for(self, field: str) -> ColumnMapping | None:
        return next((c for c in self.columns if c.field == field), None)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def normalise(text: str) -> str:
    return _NOISE_RE.sub("", text).replace("／", "/").lower()


def match_header(header: str, spec: FieldSpec) -> tuple[float, str]:
    """Confidence (0–1) that ``header`` means ``spec``, and why."""
    full = normalise(header)
    if not full:
        return 0.0, ""
    bare = normalise(_BRACKETS_RE.sub("", header))
    synonyms = [normalise(s) for s in (spec.label, *spec.synonyms)]
    if full in synonyms:
        return 1.0, "同义词"
    if bare and bare in synonyms:
        return 0.95, "同义词（去掉括号说明）"
    best = 0.0
    for syn in synonyms:
        if len(syn) >= 2 and (syn in bare or (len(bare) >= 2 and bare in syn)):
            best = max(best, 0.7)
    if best:
        return best, "部分相同"
    for syn in synonyms:
        a, b = set(bare), set(syn)
        if len(a) >= 2 and len(b) >= 2 and len(a & b) / len(a | b) >= 0.6:
            return 0.4, "字面相近"
    return 0.0, ""


def _header_texts(grid: Grid, row: int) -> list[str]:
    """Header texts of ``row``; a two-level header ("投诉人" over "姓名") reads "投诉人/姓名"."""
    texts: list[str] = []
    filled = sum(1 for col in range(grid.width) if text_of(grid.cell(row, col)))
    for col in range(grid.width):
        child = text_of(grid.cell(row, col))
        parent = ""
        if row > 0:
            above = grid.merged_at(row - 1, col)
            # A group heading spans a few columns; a title row spans (nearly) all of them.
            if (
                above is not None
                and above.first_col != above.last_col
                and above.last_row == row - 1
                and (above.last_col - above.first_col + 1) * 2 <= filled
            ):
                parent = text_of(grid.cell(row - 1, col))
        texts.append(f"{parent}/{child}" if parent and child and parent != child else child)
    return texts


def _best_field(header: str, fields: Sequence[FieldSpec]) -> tuple[str | None, float, str]:
    candidates = [header]
    if "/" in header:
        parent, child = header.split("/", 1)
        candidates += [child, parent + child]
    best: tuple[str | None, float, str] = (None, 0.0, "")
    for spec in fields:
        for text in candidates:
            conf, why = match_header(text, spec)
            if conf > best[1]:
                best = (spec.key, conf, why)
    return best


def signature(kind: str, headers: Sequence[str]) -> str:
    """Identifies a ledger layout (same headers in the same order) across imports."""
    text = kind + "\x1f" + "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def propose_mapping(
    headers: Sequence[str],
    fields: Sequence[FieldSpec],
    remembered: Mapping[str, str | None] | None = None,
) -> list[ColumnMapping]:
    """A mapping for each non-empty header; each field goes to its most confident column."""
    keys = {f.key for f in fields}
    proposals: list[ColumnMapping] = []
    for col, header in enumerate(headers):
        if not header:
            continue
        if remembered is not None and str(col) in remembered:
            field = remembered[str(col)] or None
            if field is None or field in keys:
                proposals.append(ColumnMapping(col, header, field, 1.0, "上次导入时确认"))
                continue
        key, conf, why = _best_field(header, fields)
        proposals.append(ColumnMapping(col, header, key if conf > 0 else None, conf, why))
    winners: dict[str, ColumnMapping] = {}
    for m in proposals:
        if m.field is not None and (
            m.field not in winners or m.confidence > winners[m.field].confidence
        ):
            winners[m.field] = m
    out = []
    for m in proposals:
        if m.field is not None and winners[m.field] is not m:
            m = replace(m, field=None, confidence=0.0, reason="与其他列重复，未导入")
        out.append(m)
    return out


def find_layout(
    grid: Grid,
    kind: str,
    fields: Sequence[FieldSpec],
    remembered: Mapping[str, Mapping[str, str | None]] | None = None,
) -> SheetLayout | None:
    """The header row (the row among the first 30 whose cells match the most fields, the
    lower of equals, so that the second row of a two-level header wins) and its mapping."""
    best_row, best_score = -1, 1
    for row in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        headers = _header_texts(grid, row)
        found = {
            key for h in headers if h for key, conf, _ in [_best_field(h, fields)] if conf >= 0.7
        }
        if len(found) >= best_score:
            best_row, best_score = row, len(found)
    if best_row < 0 or best_score < 2:
        return None
    headers = _header_texts(grid, best_row)
    sig = signature(kind, headers)
    columns = propose_mapping(headers, fields, (remembered or {}).get(sig))
    return SheetLayout(grid=grid, header_row=best_row, columns=columns, signature=sig)


def apply_overrides(layout: SheetLayout, overrides: Mapping[int, str | None]) -> None:
    """The user's choices win and count as confirmed."""
    columns = []
    for m in layout.columns:
        if m.column in overrides:
            field = overrides[m.column] or None
            m = ColumnMapping(m.column, m.header, field, 1.0, "用户确认")
        columns.append(m)
    layout.columns = columns


class RowKind:
    DATA = "data"
    BLANK = "blank"
    TOTAL = "total"
    NOTE = "note"
    HEADER = "header"


def classify_row(cells: Sequence[Cell], header_texts: Sequence[str]) -> str:
    texts = [text_of(c) for c in cells]
    filled = [t for t in texts if t]
    if not filled:
        return RowKind.BLANK
    first = filled[0]
    if _TOTAL_RE.match(first) or any(_TOTAL_RE.match(t) and len(t) <= 6 for t in filled[:3]):
        return RowKind.TOTAL
    if _NOTE_RE.match(first):
        return RowKind.NOTE
    heads = [h for h in header_texts if h]
    if heads and [t for t in texts if t] == heads:
        return RowKind.HEADER  # the header repeated on each printed page
    return RowKind.DATA
