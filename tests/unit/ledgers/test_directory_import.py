"""The units-and-persons directory from the office's Excel list (the setup wizard's import)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Person, Unit
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.errors import ImportRejected
from effdesk.services import ledger_import as li


def _fill_template(path: Path, units: list[list[object]], persons: list[list[object]]) -> Path:
    li.save_directory_template(path)
    book = load_workbook(path)
    for sheet, rows in ((book["单位名录"], units), (book["人员名录"], persons)):
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


UNITS = [
    ["县人力资源和社会保障局", "人社局", "县直部门", "一类", "", "刘芳", "0571-88881234"],
    ["县社保中心窗口", "", "窗口单位", "二类考评单位", "县人力资源和社会保障局"],
    ["城关镇人民政府", "城关镇", "", "第三类"],
]
PERSONS = [
    ["陈明", "县人力资源和社会保障局", "科长", "13900001234"],
    ["", "县社保中心窗口", "", "", "3号窗口女工作人员"],
    ["周涛", "县公安局", "民警"],
]


def test_template_filled_in_imports_units_parents_and_persons(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    admin = actors["admin"]
    path = _fill_template(tmp_path / "名录.xlsx", UNITS, PERSONS)

    plan = li.analyse(session, admin, path, li.LedgerKind.DIRECTORY)
    assert [(s.name, s.role) for s in plan.sheets] == [
        ("单位名录", "units"),
        ("人员名录", "persons"),
    ]
    assert plan.problems == []
    assert plan.units_to_create == ["县公安局"]  # named by a person only
    report = li.commit(session, admin, plan, confirmed=True)
    assert report.created == {"新建单位": 3, "新建人员": 3}

    units = {u.name: u for u in session.scalars(select(Unit))}
    assert set(units) == {"县人力资源和社会保障局", "县社保中心窗口", "城关镇人民政府", "县公安局"}
    hr = units["县人力资源和社会保障局"]
    assert (hr.kind, hr.category, hr.short_name) == (
        UnitKind.DEPARTMENT,
        AssessmentCategory.FIRST,
        "人社局",
    )
    assert units["县社保中心窗口"].parent_id == hr.id
    assert units["县社保中心窗口"].category == AssessmentCategory.SECOND
    assert units["城关镇人民政府"].kind == UnitKind.TOWN  # guessed from the name
    assert units["城关镇人民政府"].category == AssessmentCategory.THIRD
    persons = {p.display_name: p for p in session.scalars(select(Person))}
    assert persons["陈明"].unit_id == hr.id and persons["陈明"].post == "科长"
    assert persons["3号窗口女工作人员"].unit_id == units["县社保中心窗口"].id

    # Importing the same list again changes nothing.
    again = li.import_file(session, admin, path, li.LedgerKind.DIRECTORY, confirmed=True)
    assert again.created["新建单位"] == 0 and again.created["新建人员"] == 0
    assert session.scalar(select(func.count(Person.id))) == 3


def test_bad_rows_refused_by_row_and_column_then_fixed(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    admin = actors["admin"]
    units = [list(u) for u in UNITS]
    units[1][3] = "甲类"  # row 5 (title, instructions, headers, first unit): no such category
    persons = [list(p) for p in PERSONS]
    persons[0][3] = "139000"  # row 4 of the persons sheet: not a phone number
    path = _fill_template(tmp_path / "名录.xlsx", units, persons)

    with pytest.raises(ImportRejected) as caught:
        li.import_file(session, admin, path, li.LedgerKind.DIRECTORY, confirmed=True)
    problems = [(p.row, p.column) for p in caught.value.problems]
    assert problems == [(4, "人员名录!联系电话"), (5, "单位名录!考评类别*")]
    assert "「甲类」不是可识别的考评类别" in str(caught.value)
    assert session.scalar(select(func.count(Unit.id))) == 0

    units[1][3] = "二类"
    persons[0][3] = "13900001234"
    path = _fill_template(tmp_path / "名录-改.xlsx", units, persons)
    report = li.import_file(session, admin, path, li.LedgerKind.DIRECTORY, confirmed=True)
    assert report.created["新建单位"] == 3


def test_organisation_department_list_with_its_own_headers(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    """An .xls list from the organisation department: a title, other header words."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("干部名册")
    sheet.write_merge(0, 0, 0, 3, "××县机关干部名册")
    for c, h in enumerate(["序号", "人员姓名", "工作单位", "职务职级"]):
        sheet.write(1, c, h)
    sheet.write(2, 0, 1)
    sheet.write(2, 1, "吴静")
    sheet.write_merge(2, 3, 2, 2, "县教育局")
    sheet.write(2, 3, "副局长")
    sheet.write(3, 0, 2)
    sheet.write(3, 1, "郑凯")
    sheet.write(3, 3, "股长")
    path = tmp_path / "干部名册.xls"
    book.save(str(path))

    report = li.import_file(session, actors["admin"], path, li.LedgerKind.DIRECTORY, confirmed=True)
    assert report.created["新建人员"] == 2
    assert report.units_created == ["县教育局"]
    unit = session.scalar(select(Unit.id).where(Unit.name == "县教育局"))
    assert set(session.scalars(select(Person.name).where(Person.unit_id == unit))) == {
        "吴静",
        "郑凯",
    }
