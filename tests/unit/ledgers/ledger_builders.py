"""Ledgers built the way real offices keep them: title rows, merged unit cells, dates written
every which way, spacer and 合计 rows — as .xlsx (openpyxl), .xls (xlwt) and .ods (odfpy)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

HEADERS = [
    "序号",
    "投诉时间",
    "来源",
    "投诉人",
    "联系电话",
    "被投诉对象",
    "投诉类别",
    "反映问题",
    "办理时限",
    "办结时间",
    "调查结果",
    "处理结果",
    "回复时间",
    "满意度",
]

# (serial, received, channel, name, phone, unit, category, summary, limit, concluded,
#  verification, result, reply, satisfaction) — the unit None where a merged cell covers it.
ROWS: list[list[Any]] = [
    [
        1,
        date(2025, 3, 5),
        "电话",
        "王建国",
        "13812345678",
        "县市场监督管理局",
        "服务态度差",
        "窗口人员态度生硬",
        "15个工作日",
        "2025/3/20",
        "属实",
        "批评教育",
        "2025.3.24",
        "满意",
    ],
    [
        2,
        "2025/3/6",
        "来信",
        "匿名",
        "",
        None,
        "办事拖拉、效率低下",
        "营业执照变更拖延一个月",
        15,
        "2025年3月28日",
        "部分属实",
        "责令整改",
        "",
        "",
    ],
    [
        3,
        "2025.3.7",
        "12345转办",
        "李梅",
        "0571-86001234",
        None,
        "吃拿卡要",
        "办证索要好处费",
        "10个工作日",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        4,
        45734,
        "网络",
        "赵强",
        "13900001111",
        "城关镇人民政府",
        "推诿扯皮",
        "低保申请来回跑",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        5,
        "2025年3月12日",
        "来访",
        "孙丽",
        "13700002222",
        "城关镇人民政府",
        "其他",
        "办事大厅无人值守",
        "15个工作日",
        datetime(2025, 3, 25),
        "不属实",
        "向投诉人解释说明",
        datetime(2025, 3, 27),
        "基本满意",
    ],
]


def build_xlsx(path: Path, rows: list[list[Any]] | None = None, *, merged: bool = True) -> Path:
    """A ledger as a county office keeps it: two title rows, headers in row 3, the unit of
    rows 1–3 merged (D4:D6 style), a blank spacer row and a 合计 row."""
    from openpyxl import Workbook

    rows = ROWS if rows is None else rows
    book = Workbook()
    sheet = book.active
    sheet.title = "2025年投诉台账"
    sheet.append(["××县效能投诉中心投诉件登记台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(["填报单位：县效能办", None, None, None, None, None, None, None, None, "2025年度"])
    sheet.append(HEADERS)
    first = 4
    for i, row in enumerate(rows):
        sheet.append([v for v in row])
        if i == 2:
            sheet.append([])  # spacer
    if merged and len(rows) >= 3:
        col = HEADERS.index("被投诉对象") + 1
        sheet.merge_cells(start_row=first, start_column=col, end_row=first + 2, end_column=col)
    sheet.append(["合计", None, None, None, None, None, None, f"{len(rows)}件"])
    sheet.append([])
    sheet.append(["填表人：张三", None, None, "审核人：李四"])
    # A date cell written as a number with a date format, as Excel keeps them.
    if len(rows) >= 4:
        sheet.cell(row=first + 4, column=2).number_format = "yyyy-mm-dd"
    book.save(path)
    return path


def build_xls(path: Path) -> Path:
    """The same ledger saved as Excel 97–2003 (.xls), as WPS and old county PCs still do."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write_merge(0, 0, 0, len(HEADERS) - 1, "××县效能投诉台账（2025年）")
    for c, h in enumerate(HEADERS):
        sheet.write(1, c, h)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    unit_col = HEADERS.index("被投诉对象")
    r = 2
    for i, row in enumerate(ROWS):
        for c, value in enumerate(row):
            if c == unit_col and i in (0, 1, 2):
                continue
            if isinstance(value, date | datetime):
                sheet.write(r, c, value, date_style)
            elif value is not None and value != "":
                sheet.write(r, c, value)
        r += 1
    sheet.write_merge(2, 4, unit_col, unit_col, ROWS[0][unit_col])
    sheet.write(r, 0, "小计")
    book.save(str(path))
    return path


def build_ods(path: Path) -> Path:
    """The ledger as an OpenDocument sheet (LibreOffice, WPS), unit merged over three rows."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    def cell(value: Any, **kw: Any) -> Any:
        if isinstance(value, date):
            c = TableCell(valuetype="date", datevalue=value.isoformat(), **kw)
        elif isinstance(value, int | float):
            c = TableCell(valuetype="float", value=str(value), **kw)
        else:
            c = TableCell(valuetype="string", **kw)
        if value not in (None, ""):
            c.addElement(P(text=str(value)))
        return c

    doc = OpenDocumentSpreadsheet()
    table = Table(name="台账")
    title = TableRow()
    title.addElement(cell("××县效能投诉台账", numbercolumnsspanned=len(HEADERS)))
    for _ in HEADERS[1:]:
        title.addElement(CoveredTableCell())
    table.addElement(title)
    head = TableRow()
    for h in HEADERS:
        head.addElement(cell(h))
    table.addElement(head)
    unit_col = HEADERS.index("被投诉对象")
    for i, row in enumerate(ROWS):
        tr = TableRow()
        for c, value in enumerate(row):
            if c == unit_col and i == 0:
                tr.addElement(cell(value, numberrowsspanned=3))
            elif c == unit_col and i in (1, 2):
                tr.addElement(CoveredTableCell())
            else:
                tr.addElement(cell(value))
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path
