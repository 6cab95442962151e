"""Importing an office's Excel ledgers: complaints (投诉台账) and the directory (单位人员名录).

Two steps, so that a screen (or the CLI) can show what will happen before anything is
written::

    plan = analyse(session, actor, path, LedgerKind.COMPLAINTS)    # reads, maps, checks
    plan.sheets[i].columns / .preview() / plan.unsure / plan.units_to_create / plan.problems
    report = commit(session, actor, plan, confirmed=True)           # all or nothing

``analyse`` never writes. It finds the header row under title rows, maps headers by meaning
(remembering the office's confirmed mapping per header layout), skips blank, 合计/小计 and
signature rows, and checks every row. ``commit`` raises :class:`ImportRejected` listing every
bad row (row number as Excel shows it, column header, reason) and writes nothing; it raises
:class:`ConfirmationNeeded` when unsure columns or units to create were not confirmed.

``mapping`` (sheet name → {column index: field key or None}) is the user's correction of the
proposed mapping; fields are listed by :func:`fields_for`.

The setup wizard imports the directory with the same two calls and
:data:`LedgerKind.DIRECTORY`, and offers :func:`save_directory_template`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.errors import EffDeskError, ImportRejected, RowProblem
from effdesk.permissions import Permission, require
from effdesk.services.ledger_import import complaints as _complaints
from effdesk.services.ledger_import import directory as _directory
from effdesk.services.ledger_import.directory import save_directory_template
from effdesk.services.ledger_import.layout import (
    ColumnMapping,
    FieldSpec,
    apply_overrides,
    find_layout,
)
from effdesk.services.ledger_import.plan import (
    ConfirmationNeeded,
    ImportPlan,
    ImportReport,
    LedgerKind,
    ProgressFn,
    SheetPlan,
    collect_rows,
    remember_mappings,
    remembered_mappings,
)
from effdesk.services.ledger_import.reader import read_workbook
from effdesk.services.ledger_import.units import create_named_units, unit_index

__all__ = [
    "ColumnMapping",
    "ConfirmationNeeded",
    "FieldSpec",
    "ImportPlan",
    "ImportRejected",
    "ImportReport",
    "LedgerKind",
    "RowProblem",
    "SheetPlan",
    "analyse",
    "commit",
    "fields_for",
    "import_file",
    "save_directory_template",
]

_ROLE_LABELS = {"complaints": "投诉台账", "units": "单位名录", "persons": "人员名录"}


def fields_for(role: str) -> Sequence[FieldSpec]:
    """The fields a sheet of ``role`` ("complaints", "units", "persons") can fill."""
    return {
        "complaints": _complaints.COMPLAINT_FIELDS,
        "units": _directory.UNIT_FIELDS,
        "persons": _directory.PERSON_FIELDS,
    }[role]


def analyse(
    session: Session,
    actor: Actor,
    path: Path,
    kind: LedgerKind,
    *,
    mapping: Mapping[str, Mapping[int, str | None]] | None = None,
    today: date | None = None,
    progress: ProgressFn | None = None,
) -> ImportPlan:
    """Read ``path`` and check it completely, writing nothing (see the module docstring)."""
    require(actor, Permission.IMPORT_LEDGERS)
    if kind == LedgerKind.DIRECTORY:
        require(actor, Permission.EDIT_DIRECTORY)
    today = today or now().date()
    path = Path(path)
    if progress is not None:
        progress(0, 0, f"正在读取「{path.name}」")
    grids = read_workbook(path)
    remembered = remembered_mappings(session)
    plan = ImportPlan(path=path, kind=kind, sheets=[])
    for grid in grids:
        sheet = _sheet_plan(grid, kind, remembered)
        if sheet is None:
            if any(any(v is not None for v in r) for r in grid.rows):
                plan.ignored_sheets.append(grid.name)
            continue
        if mapping and grid.name in mapping:
            apply_overrides(sheet.layout, mapping[grid.name])
        collect_rows(sheet)
        plan.sheets.append(sheet)
    if not plan.sheets:
        raise EffDeskError(
            f"「{path.name}」中找不到{kind.label}的表头行"
            f"（前30行中没有「{'、'.join(_header_examples(kind))}」等列名）。"
        )
    for sheet in plan.sheets:
        for spec in sheet.missing_required:
            plan.problems.append(
                RowProblem(
                    sheet.header_row_number,
                    spec.label,
                    f"工作表「{sheet.name}」缺少「{spec.label}」列（或请在列对应中指定）",
                )
            )
    if plan.problems:
        return plan
    plan.extra["units"] = unit_index(session)
    if progress is not None:
        progress(0, 0, "正在检查每一行")
    for sheet in plan.sheets:
        if sheet.role == "complaints":
            _complaints.convert_rows(session, plan, sheet, today)
        elif sheet.role == "units":
            _directory.convert_units(plan, sheet)
        else:
            _directory.convert_persons(plan, sheet)
    if kind == LedgerKind.COMPLAINTS:
        _complaints.check_existing_numbers(session, plan)
    else:
        _directory.resolve_units(plan)
    plan.problems.sort(key=lambda p: p.row)
    plan.units_to_create = list(plan.extra.get("missing_units", {}).values())
    return plan


def _header_examples(kind: LedgerKind) -> list[str]:
    if kind == LedgerKind.COMPLAINTS:
        return ["受理日期", "被投诉单位", "内容摘要"]
    return ["单位名称", "考评类别", "姓名", "所在单位"]


def _sheet_plan(
    grid: object, kind: LedgerKind, remembered: Mapping[str, Mapping[str, str | None]]
) -> SheetPlan | None:
    from effdesk.services.ledger_import.reader import Grid

    assert isinstance(grid, Grid)
    roles = ["complaints"] if kind == LedgerKind.COMPLAINTS else ["persons", "units"]
    for role in roles:
        layout = find_layout(grid, f"{kind.value}:{role}", fields_for(role), remembered)
        if layout is None:
            continue
        if role == "persons" and layout.column_for("name") is None:
            continue  # no 姓名 column: a units sheet
        return SheetPlan(
            name=grid.name,
            role=role,
            role_label=_ROLE_LABELS[role],
            layout=layout,
            fields=fields_for(role),
        )
    return None


def commit(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    *,
    confirmed: bool = False,
    progress: ProgressFn | None = None,
    today: date | None = None,
) -> ImportReport:
    """Write what ``analyse`` found, all or nothing, in the caller's transaction.

    ``confirmed``: the user accepted the unsure column mappings and the units to create.
    The confirmed mapping is remembered for the next ledger with the same headers.
    """
    require(actor, Permission.IMPORT_LEDGERS)
    if plan.problems:
        raise ImportRejected(problems=list(plan.problems), source=plan.path.name)
    if not confirmed and (plan.unsure or plan.units_to_create):
        raise ConfirmationNeeded("导入前请确认：\n" + plan.confirmation_text())
    today = today or now().date()
    units = dict(plan.extra["units"])
    created_units: list[str] = []
    if plan.units_to_create:
        units.update(create_named_units(session, actor, plan.units_to_create))
        created_units = list(plan.units_to_create)
    if plan.kind == LedgerKind.COMPLAINTS:
        count = _complaints.write_complaints(session, actor, plan, units, today, progress)
        created = {"投诉件": count}
    else:
        created = _directory.write_directory(session, actor, plan, units, progress)
    remember_mappings(session, actor, plan)
    notes = []
    if plan.ignored_sheets:
        notes.append("未导入的工作表（找不到表头）：" + "、".join(plan.ignored_sheets) + "。")
    return ImportReport(
        kind=plan.kind,
        path=plan.path,
        created=created,
        units_created=created_units,
        skipped=plan.skipped_text(),
        notes=notes,
    )


def import_file(
    session: Session,
    actor: Actor,
    path: Path,
    kind: LedgerKind,
    *,
    confirmed: bool = False,
    mapping: Mapping[str, Mapping[int, str | None]] | None = None,
    progress: ProgressFn | None = None,
    today: date | None = None,
) -> ImportReport:
    """``analyse`` then ``commit`` in one call (the CLI, the wizard, tests)."""
    plan = analyse(session, actor, path, kind, mapping=mapping, today=today, progress=progress)
    return commit(session, actor, plan, confirmed=confirmed, progress=progress, today=today)
