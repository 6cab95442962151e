"""What an import found before anything is written, and what it did afterwards.

Shared by the complaint ledger and the directory imports: the sheets and their mappings, a
preview, the rows skipped (blank, 合计/小计, signatures), the units that would be created, and
every problem by row number (as Excel shows it), column header and reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.enums import LabeledEnum
from effdesk.errors import EffDeskError, RowProblem
from effdesk.services.ledger_import.layout import (
    ColumnMapping,
    FieldSpec,
    RowKind,
    SheetLayout,
    classify_row,
)
from effdesk.services.ledger_import.reader import Cell
from effdesk.services.ledger_import.values import text_of

PREVIEW_ROWS = 8

# progress(done, total, text) -> None; raise to cancel
ProgressFn = Callable[[int, int, str], None]


class LedgerKind(LabeledEnum):
    COMPLAINTS = ("complaints", "投诉台账")
    DIRECTORY = ("directory", "单位人员名录")


class ConfirmationNeeded(EffDeskError):
    """The import needs the user's word first (unsure columns, units to create)."""


@dataclass(frozen=True)
class SourceRow:
    """One data row: its number as Excel shows it and its cells by field key."""

    number: int
    values: Mapping[str, Cell]
    headers: Mapping[str, str]

    def get(self, key: str) -> Cell:
        return self.values.get(key)

    def text(self, key: str) -> str:
        return text_of(self.values.get(key))

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


@dataclass
class SheetPlan:
    name: str
    role: str  # "complaints", "units" or "persons"
    role_label: str
    layout: SheetLayout
    fields: Sequence[FieldSpec]
    rows: list[SourceRow] = field(default_factory=list)
    skipped_blank: int = 0
    skipped_totals: int = 0
    skipped_notes: int = 0
    records: list[Any] = field(default_factory=list)

    @property
    def header_row_number(self) -> int:
        return self.layout.header_row + 1

    @property
    def columns(self) -> list[ColumnMapping]:
        return self.layout.columns

    @property
    def unsure(self) -> list[ColumnMapping]:
        return [c for c in self.layout.columns if not c.sure]

    @property
    def missing_required(self) -> list[FieldSpec]:
        mapped = {c.field for c in self.layout.columns}
        return [f for f in self.fields if f.required and f.key not in mapped]

    def preview(self, limit: int = PREVIEW_ROWS) -> list[list[str]]:
        """The first data rows as the sheet shows them (every column, in order)."""
        out = []
        grid = self.layout.grid
        for row in self.rows[:limit]:
            out.append([text_of(grid.cell(row.number - 1, c.column)) for c in self.columns])
        return out

    def label_of(self, key: str | None) -> str:
        return next((f.label for f in self.fields if f.key == key), "（不导入）")


@dataclass
class ImportPlan:
    path: Path
    kind: LedgerKind
    sheets: list[SheetPlan]
    ignored_sheets: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    units_to_create: list[str] = field(default_factory=list)
    # Data for the commit (kind-specific); plain values only.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def record_count(self) -> int:
        return sum(len(s.records) for s in self.sheets)

    @property
    def unsure(self) -> list[tuple[SheetPlan, ColumnMapping]]:
        return [(s, c) for s in self.sheets for c in s.unsure]

    def skipped_text(self) -> str:
        blank = sum(s.skipped_blank for s in self.sheets)
        totals = sum(s.skipped_totals for s in self.sheets)
        notes = sum(s.skipped_notes for s in self.sheets)
        parts = []
        if blank:
            parts.append(f"空行{blank}行")
        if totals:
            parts.append(f"合计/小计行{totals}行")
        if notes:
            parts.append(f"签名/说明行{notes}行")
        return "跳过" + "、".join(parts) if parts else "没有跳过的行"

    def confirmation_text(self) -> str:
        """What the user must confirm before the import may run ("" when nothing)."""
        lines = []
        for sheet, col in self.unsure:
            target = sheet.label_of(col.field)
            lines.append(
                f"工作表「{sheet.name}」{col.letter}列「{col.header}」→「{target}」"
                f"（把握{int(col.confidence * 100)}%，{col.reason}）"
            )
        if self.units_to_create:
            names = "、".join(self.units_to_create[:30])
            more = f"等{len(self.units_to_create)}个" if len(self.units_to_create) > 30 else ""
            lines.append(
                f"单位名录中没有下列单位，将新建：{names}{more}"
                "（按名称推断单位类型、暂列三类考评单位，导入后可在「单位人员」中修改）"
            )
        return "\n".join(lines)


@dataclass
class ImportReport:
    kind: LedgerKind
    path: Path
    created: dict[str, int]
    units_created: list[str]
    skipped: str
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        made = "，".join(f"{k}{v}" for k, v in self.created.items())
        out = [f"已从「{self.path.name}」导入{self.kind.label}：{made}。", self.skipped + "。"]
        if self.units_created:
            out.append("新建单位：" + "、".join(self.units_created) + "。")
        out.extend(self.notes)
        return out


def collect_rows(sheet: SheetPlan) -> None:
    """Read the data rows under the header, skipping and counting blank, total and note rows."""
    grid = sheet.layout.grid
    header_texts = [text_of(c) for c in grid.rows[sheet.layout.header_row]]
    mapped = [(c.column, c.field) for c in sheet.layout.columns if c.field is not None]
    headers = {c.field: c.header for c in sheet.layout.columns if c.field is not None}
    for r in range(sheet.layout.header_row + 1, len(grid.rows)):
        cells = grid.rows[r]
        kind = classify_row(cells, header_texts)
        if kind == RowKind.BLANK:
            sheet.skipped_blank += 1
            continue
        if kind == RowKind.TOTAL:
            sheet.skipped_totals += 1
            continue
        if kind in (RowKind.NOTE, RowKind.HEADER):
            sheet.skipped_notes += 1
            continue
        values = {key: (cells[col] if col < len(cells) else None) for col, key in mapped}
        if all(v is None for v in values.values()):
            sheet.skipped_blank += 1  # only unmapped columns are filled (e.g. a 序号 alone)
            continue
        sheet.rows.append(SourceRow(number=r + 1, values=values, headers=headers))
    # Trailing blank rows after the last data row are formatting, not spacers worth a mention.
    last = sheet.rows[-1].number if sheet.rows else sheet.layout.header_row + 1
    trailing = sum(1 for r in range(last, len(grid.rows)) if not any(grid.rows[r]))
    sheet.skipped_blank = max(0, sheet.skipped_blank - trailing)


# --------------------------------------------------------------------------- remembered mappings


def remembered_mappings(session: Session) -> dict[str, dict[str, str | None]]:
    value = settings.stored(session, settings.LEDGER_IMPORT_MAPPINGS)
    return value if isinstance(value, dict) else {}


def remember_mappings(session: Session, actor: Actor, plan: ImportPlan) -> None:
    """Keep the confirmed mapping of each sheet under its header signature (office-wide)."""
    current: dict[str, Any] = dict(settings.stored(session, settings.LEDGER_IMPORT_MAPPINGS) or {})
    changed = False
    for sheet in plan.sheets:
        mapping = {str(c.column): c.field for c in sheet.columns}
        if current.get(sheet.layout.signature) != mapping:
            current[sheet.layout.signature] = mapping
            changed = True
    if not changed:
        return
    settings.store(
        session,
        actor,
        settings.LEDGER_IMPORT_MAPPINGS,
        json.loads(json.dumps(current)),
        summary=f"记住台账表头对应关系（{plan.path.name}）",
        audited=(None, {"signatures": [s.layout.signature for s in plan.sheets]}),
    )
