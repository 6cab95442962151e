"""Importing the units-and-persons directory (单位人员名录) from the office's Excel list.

A workbook may hold a units sheet, a persons sheet, or both (the template has both); each
sheet is recognised by its headers: one with a 姓名 column lists persons, otherwise units.
Units already in the directory (same name) are left as they are; so are persons already listed
with the same name in the same unit. Units named only by persons (or as parents) are created
after confirmation, like the complaint import's missing units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Person
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.errors import RowProblem
from effdesk.services import directory
from effdesk.services.ledger_import.layout import FieldSpec
from effdesk.services.ledger_import.plan import ImportPlan, ProgressFn, SheetPlan, SourceRow
from effdesk.services.ledger_import.units import guess_kind, unit_key
from effdesk.textutil import is_valid_phone

F = FieldSpec
UNIT_FIELDS: tuple[FieldSpec, ...] = (
    F("name", "单位名称", ("单位", "名称", "被监督单位", "单位全称", "机构名称"), required=True),
    F("short_name", "简称", ("单位简称",)),
    F("kind", "单位类型", ("类型", "单位性质", "单位类别", "性质")),
    F("category", "考评类别", ("考核类别", "考评类型", "考评分类", "类别", "考评单位类别")),
    F("parent", "上级单位", ("主管部门", "上级主管部门", "上级", "隶属单位")),
    F("contact_person", "联系人", ("效能联络员", "联络员")),
    F("contact_phone", "联系电话", ("电话", "联系方式", "手机")),
    F("address", "地址", ("办公地址", "单位地址")),
    F("code", "单位代码", ("编码", "统一社会信用代码", "机构代码")),
    F("notes", "备注", ("说明",)),
)
PERSON_FIELDS: tuple[FieldSpec, ...] = (
    F("name", "姓名", ("人员姓名", "干部姓名", "职工姓名"), required=True),
    F("unit", "所在单位", ("单位", "单位名称", "工作单位", "所属单位", "部门"), required=True),
    F("post", "职务", ("岗位", "职务职级", "职位", "职务/岗位")),
    F("phone", "联系电话", ("电话", "手机", "联系方式", "手机号码")),
    F("description", "特征描述", ("描述", "特征")),
    F("notes", "备注", ("说明",)),
)

_KIND_WORDS: tuple[tuple[str, UnitKind], ...] = (
    ("乡", UnitKind.TOWN),
    ("镇", UnitKind.TOWN),
    ("街道", UnitKind.TOWN),
    ("窗口", UnitKind.WINDOW),
    ("企业", UnitKind.ENTERPRISE),
    ("国有", UnitKind.ENTERPRISE),
    ("其他", UnitKind.ENTERPRISE),
    ("部门", UnitKind.DEPARTMENT),
    ("县直", UnitKind.DEPARTMENT),
    ("机关", UnitKind.DEPARTMENT),
)
_CATEGORY_WORDS = {
    "一": AssessmentCategory.FIRST,
    "1": AssessmentCategory.FIRST,
    "二": AssessmentCategory.SECOND,
    "2": AssessmentCategory.SECOND,
    "三": AssessmentCategory.THIRD,
    "3": AssessmentCategory.THIRD,
}


@dataclass
class UnitRecord:
    row: int
    name: str
    short_name: str
    kind: UnitKind
    category: AssessmentCategory
    parent: str
    contact_person: str
    contact_phone: str
    address: str
    code: str
    notes: str


@dataclass
class PersonRecord:
    row: int
    name: str
    unit: str
    post: str
    phone: str
    description: str
    notes: str


def parse_kind(text: str) -> UnitKind:
    for member in UnitKind:
        if text == member.label:
            return member
    for word, member in _KIND_WORDS:
        if word in text:
            return member
    labels = "、".join(m.label for m in UnitKind)
    raise ValueError(f"「{text}」不是可识别的单位类型（可填：{labels}）")


def parse_category(text: str) -> AssessmentCategory:
    compact = re.sub(r"\s+", "", text)
    match = re.match(r"^(第)?([一二三123])类", compact) or re.fullmatch(r"([一二三123])", compact)
    if match is not None:
        return _CATEGORY_WORDS[match.groups()[-1]]
    raise ValueError(f"「{text}」不是可识别的考评类别（可填：一类、二类、三类）")


def _where(plan: ImportPlan, sheet: SheetPlan, header: str) -> str:
    return f"{sheet.name}!{header}" if len(plan.sheets) > 1 else header


def convert_units(plan: ImportPlan, sheet: SheetPlan) -> None:
    seen: dict[str, int] = plan.extra.setdefault("unit_rows", {})
    for row in sheet.rows:
        problems: list[RowProblem] = []

        def bad(
            key: str, message: str, row: SourceRow = row, problems: list[RowProblem] = problems
        ) -> None:
            problems.append(RowProblem(row.number, _where(plan, sheet, row.header(key)), message))

        name = row.text("name")
        if not name:
            bad("name", "单位名称不能为空")
        elif len(name) > 100:
            bad("name", "单位名称不能超过100个字")
        elif unit_key(name) in seen:
            bad("name", f"单位「{name}」与第{seen[unit_key(name)]}行重复")
        else:
            seen[unit_key(name)] = row.number
        kind = guess_kind(name)
        if row.text("kind"):
            try:
                kind = parse_kind(row.text("kind"))
            except ValueError as exc:
                bad("kind", str(exc))
        category = AssessmentCategory.THIRD
        if not row.text("category"):
            bad("category", "考评类别不能为空（一类、二类或三类）")
        else:
            try:
                category = parse_category(row.text("category"))
            except ValueError as exc:
                bad("category", str(exc))
        phone = row.text("contact_phone")
        if phone and not is_valid_phone(phone):
            bad("contact_phone", f"联系电话「{phone}」格式不正确（手机号或带区号的座机号）")
        plan.problems.extend(problems)
        if problems:
            continue
        sheet.records.append(
            UnitRecord(
                row=row.number,
                name=name,
                short_name=row.text("short_name")[:40],
                kind=kind,
                category=category,
                parent=row.text("parent"),
                contact_person=row.text("contact_person")[:40],
                contact_phone=phone,
                address=row.text("address")[:200],
                code=row.text("code")[:40],
                notes=row.text("notes"),
            )
        )


def convert_persons(plan: ImportPlan, sheet: SheetPlan) -> None:
    for row in sheet.rows:
        problems: list[RowProblem] = []

        def bad(
            key: str, message: str, row: SourceRow = row, problems: list[RowProblem] = problems
        ) -> None:
            problems.append(RowProblem(row.number, _where(plan, sheet, row.header(key)), message))

        name, description = row.text("name"), row.text("description")
        if not name and not description:
            bad("name", "姓名不能为空（不知道姓名时请填写特征描述）")
        elif len(name) > 40:
            bad("name", "姓名不能超过40个字")
        unit = row.text("unit")
        if not unit:
            bad("unit", "所在单位不能为空")
        phone = row.text("phone")
        if phone and not is_valid_phone(phone):
            bad("phone", f"联系电话「{phone}」格式不正确（手机号或带区号的座机号）")
        plan.problems.extend(problems)
        if problems:
            continue
        sheet.records.append(
            PersonRecord(
                row=row.number,
                name=name,
                unit=unit,
                post=row.text("post")[:60],
                phone=phone,
                description=description[:200],
                notes=row.text("notes"),
            )
        )


def resolve_units(plan: ImportPlan) -> None:
    """Parents and persons' units must be in the directory, in the units sheet, or created."""
    known: dict[str, int] = plan.extra["units"]
    listed = {unit_key(r.name) for s in plan.sheets if s.role == "units" for r in s.records}
    missing: dict[str, str] = plan.extra.setdefault("missing_units", {})
    for sheet in plan.sheets:
        for rec in sheet.records:
            name = rec.parent if isinstance(rec, UnitRecord) else rec.unit
            if name and unit_key(name) not in known and unit_key(name) not in listed:
                missing.setdefault(unit_key(name), name)


def write_directory(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    units: dict[str, int],
    progress: ProgressFn | None,
) -> dict[str, int]:
    """Create the units (parents set once all exist) and then the persons."""
    unit_records = [r for s in plan.sheets if s.role == "units" for r in s.records]
    person_records = [r for s in plan.sheets if s.role == "persons" for r in s.records]
    total = len(unit_records) + len(person_records)
    done = 0
    created_units = existing_units = 0
    pending_parents: list[tuple[int, UnitRecord]] = []
    for rec in unit_records:
        if progress is not None and done % 50 == 0:
            progress(done, total, f"正在建立单位「{rec.name}」")
        done += 1
        if unit_key(rec.name) in units:
            existing_units += 1
            continue
        unit = directory.create_unit(
            session,
            actor,
            directory.UnitInput(
                name=rec.name,
                kind=rec.kind,
                category=rec.category,
                short_name=rec.short_name,
                code=rec.code,
                contact_person=rec.contact_person,
                contact_phone=rec.contact_phone,
                address=rec.address,
                notes=rec.notes,
                sort_order=rec.row,
            ),
        )
        units[unit_key(rec.name)] = unit.id
        created_units += 1
        if rec.parent:
            pending_parents.append((unit.id, rec))
    for unit_id, rec in pending_parents:
        unit = directory.get_unit(session, actor, unit_id)
        data = directory.UnitInput(
            **{f: getattr(unit, f) for f in directory.UNIT_FIELDS if f != "parent_id"},
            parent_id=units[unit_key(rec.parent)],
        )
        directory.update_unit(session, actor, unit_id, data, None)
    existing = {
        (uid, name or description)
        for uid, name, description in session.execute(
            select(Person.unit_id, Person.name, Person.description)
        ).all()
    }
    created_persons = existing_persons = 0
    for rec in person_records:
        if progress is not None and done % 50 == 0:
            progress(done, total, f"正在登记人员「{rec.name or rec.description}」")
        done += 1
        unit_id = units[unit_key(rec.unit)]
        if (unit_id, rec.name or rec.description) in existing:
            existing_persons += 1
            continue
        directory.create_person(
            session,
            actor,
            directory.PersonInput(
                unit_id=unit_id,
                name=rec.name,
                description=rec.description,
                post=rec.post,
                phone=rec.phone,
                notes=rec.notes,
            ),
        )
        existing.add((unit_id, rec.name or rec.description))
        created_persons += 1
    if progress is not None:
        progress(total, total, "正在保存")
    out = {"新建单位": created_units, "新建人员": created_persons}
    if existing_units:
        out["已有单位（未改动）"] = existing_units
    if existing_persons:
        out["已有人员（未改动）"] = existing_persons
    return out


# --------------------------------------------------------------------------- template


def save_directory_template(path: Path) -> Path:
    """A template workbook (单位名录 and 人员名录 sheets: title, how to fill it in, headers
    with the required ones starred) for offices to fill in; the setup wizard offers it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    units = book.active
    units.title = "单位名录"
    persons = book.create_sheet("人员名录")
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F3")
    unit_note = (
        "填写说明：从第4行起每行一个单位，带*的列必填。考评类别填一类、二类或三类；单位类型填"
        + "、".join(m.label for m in UnitKind)
        + "（不填则按名称推断）；上级单位须是本表或系统中已有的单位。"
    )
    person_note = (
        "填写说明：从第4行起每行一人，带*的列必填。所在单位须是「单位名录」表或系统中已有的单位；"
        "不知道姓名时可只填特征描述（如“3号窗口女工作人员”）。"
    )
    required = {f.label for f in (*UNIT_FIELDS, *PERSON_FIELDS) if f.required} | {"考评类别"}
    specs = (
        (
            units,
            "被监督单位名录",
            unit_note,
            [f.label for f in UNIT_FIELDS],
            [24, 14, 14, 10, 22, 10, 16, 24, 16, 16],
        ),
        (
            persons,
            "干部职工名录",
            person_note,
            [f.label for f in PERSON_FIELDS],
            [12, 24, 16, 16, 24, 16],
        ),
    )
    for sheet, title, note, headers, widths in specs:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A1"].alignment = Alignment(horizontal="center")
        sheet.append([note])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
        sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[2].height = 32
        sheet.append([f"{h}*" if h in required else h for h in headers])
        for cell in sheet[3]:
            cell.font = bold
            cell.fill = fill
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(65 + i)].width = width
        sheet.freeze_panes = "A4"
    kinds = DataValidation(type="list", formula1='"' + ",".join(m.label for m in UnitKind) + '"')
    cats = DataValidation(type="list", formula1='"一类,二类,三类"')
    units.add_data_validation(kinds)
    units.add_data_validation(cats)
    kinds.add("C4:C2000")
    cats.add("D4:D2000")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
