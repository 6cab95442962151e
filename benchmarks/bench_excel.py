"""Excel ledgers: export of 100,000 complaint rows and import of a 10,000-row ledger.

    .venv/bin/python benchmarks/bench_excel.py [--rows 100000] [--import-rows 10000] [--db URL]

Export: the complaint ledger's 22 columns (dates as real dates, wrapped long text) written by
EffDesk's writer (XlsxWriter, constant memory) and, as the baseline in the same run, by
openpyxl's write-only mode with the same cells and formats. Each runs in its own subprocess so
its peak RSS (ru_maxrss) is its own. With ``--db`` (a database holding complaints, e.g. from
benchmarks/build_large_db.py) the whole export — query, stream, write — is measured as well.

Import: a ledger as an office keeps it (title rows, mixed date forms, merged unit cells every
few rows, 合计 row) of 10,000 rows, analysed and committed into a fresh database; the reading
alone is compared with openpyxl's read-only mode on the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNITS = [
    "县公安局",
    "县市场监督管理局",
    "城关镇人民政府",
    "县人力资源和社会保障局",
    "县政务服务中心",
]
SUMMARY = "窗口工作人员态度生硬，推诿扯皮，群众来回跑了三趟仍未办结，要求严肃处理并给予答复"


def ledger_rows(n: int) -> Any:
    """Rows shaped like the complaint ledger (see effdesk.services.ledger_export)."""
    base = date(2025, 1, 2)
    for i in range(n):
        received = base + timedelta(days=i % 600)
        concluded = received + timedelta(days=12) if i % 3 else None
        yield [
            f"效投{received.year}-{i % 9999 + 1:04d}",
            received,
            "电话",
            "张三丰" if i % 7 else "匿名",
            "13812345678",
            "",
            UNITS[i % len(UNITS)],
            "服务态度差",
            SUMMARY,
            "请县市场监管局调查核实，按期反馈。" if i % 4 == 0 else "",
            "交办",
            UNITS[(i + 1) % len(UNITS)],
            received + timedelta(days=21),
            concluded,
            "属实" if concluded else "",
            "对当事人批评教育，责令书面检查" if concluded else "",
            concluded + timedelta(days=2) if concluded else None,
            "电话" if concluded else "",
            "满意" if concluded else "",
            "已反馈" if concluded else "调查中",
            "按期办结" if concluded else "未到期",
            "",
        ]


def _columns() -> Any:
    from effdesk.services.ledger_export import ColumnSpec

    kinds = [
        "text",
        "date",
        "text",
        "text",
        "text",
        "text",
        "text",
        "text",
        "wrap",
        "wrap",
        "text",
        "text",
        "date",
        "date",
        "text",
        "wrap",
        "date",
        "text",
        "text",
        "text",
        "text",
        "wrap",
    ]
    titles = [
        "编号",
        "受理日期",
        "来源渠道",
        "投诉人",
        "联系电话",
        "投诉人单位",
        "被投诉单位",
        "问题类别",
        "内容摘要",
        "领导批示",
        "承办方式",
        "承办单位",
        "办理时限",
        "办结日期",
        "核查结论",
        "处理结果",
        "反馈日期",
        "反馈方式",
        "满意度",
        "办理状态",
        "是否按期",
        "备注",
    ]
    widths = [
        14,
        None,
        None,
        None,
        14,
        None,
        22,
        18,
        40,
        24,
        None,
        20,
        None,
        None,
        None,
        30,
        None,
        None,
        None,
        None,
        None,
        20,
    ]
    return [ColumnSpec(t, k, w) for t, k, w in zip(titles, kinds, widths, strict=True)]


def _child_effdesk(out: str, rows: int) -> dict[str, float]:
    from effdesk.reports.excel import write_table

    start, cpu = time.perf_counter(), time.process_time()
    write_table(Path(out), "××县效能投诉受理台账", _columns(), ledger_rows(rows), total=rows)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def _child_openpyxl(out: str, rows: int) -> dict[str, float]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    start, cpu = time.perf_counter(), time.process_time()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("投诉台账")
    columns = _columns()
    for i, col in enumerate(columns):
        sheet.column_dimensions[chr(65 + i) if i < 26 else "A" + chr(65 + i - 26)].width = (
            col.width or 12
        )
    sheet.freeze_panes = "A4"
    title = WriteOnlyCell(sheet, "××县效能投诉受理台账")
    title.font = Font(bold=True, size=16)
    sheet.append([title])
    sheet.append(["导出时间"])
    header = []
    for col in columns:
        cell = WriteOnlyCell(sheet, col.title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    kinds = [c.kind for c in columns]
    for row in ledger_rows(rows):
        out_row: list[Any] = []
        for value, kind in zip(row, kinds, strict=True):
            if value is None or value == "":
                out_row.append(None)
                continue
            cell = WriteOnlyCell(sheet, value)
            if kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif kind == "wrap":
                cell.alignment = wrap
            out_row.append(cell)
        sheet.append(out_row)
    sheet.auto_filter.ref = f"A3:V{rows + 3}"
    book.save(out)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def _child_db_export(out: str, url: str) -> dict[str, float]:
    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.reports.excel import write_ledger
    from effdesk.services import ledger_export as le

    db = open_database(url)
    start, cpu = time.perf_counter(), time.process_time()
    with db.session() as s:
        ledger = le.build_ledger(
            s, SYSTEM, le.LedgerExportKind.COMPLAINTS, date(2000, 1, 1), date(2100, 1, 1)
        )
        result = write_ledger(Path(out), ledger)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rows": float(result.rows),
    }


def _child(kind: str, out: str, arg: str) -> None:
    fn = {"effdesk": _child_effdesk, "openpyxl": _child_openpyxl, "db": _child_db_export}[kind]
    result = fn(out, int(arg)) if kind != "db" else fn(out, arg)  # type: ignore[operator]
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run_child(kind: str, out: Path, arg: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(out), arg],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- import


def build_office_ledger(path: Path, rows: int) -> None:
    """An office's ledger: title rows, mixed date forms, units merged over runs of rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["××县效能投诉中心投诉件登记台账"])
    sheet.merge_cells("A1:L1")
    sheet.append(["填报单位：县效能办"])
    sheet.append(
        [
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
            "满意度",
        ]
    )
    forms = [
        lambda d: d,
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: f"{d.year}.{d.month}.{d.day}",
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: (d - date(1899, 12, 30)).days,
    ]
    base = date(2024, 1, 2)
    r = 4
    for i in range(rows):
        received = base + timedelta(days=i % 500)
        concluded = received + timedelta(days=10) if i % 2 else None
        unit = UNITS[(i // 4) % len(UNITS)] if i % 4 == 0 else None
        sheet.append(
            [
                i + 1,
                forms[i % len(forms)](received),
                ["电话", "来信", "网络", "12345转办"][i % 4],
                "匿名" if i % 9 == 0 else "王建国",
                "13812345678",
                unit,
                ["服务态度差", "办事拖拉、效率低下", "吃拿卡要", "其他"][i % 4],
                SUMMARY,
                "15个工作日",
                forms[(i + 1) % 4](concluded) if concluded else None,
                "属实" if concluded else None,
                "满意" if concluded else None,
            ]
        )
        if i % 4 == 0:
            sheet.merge_cells(
                start_row=r, start_column=6, end_row=min(r + 3, 3 + rows), end_column=6
            )
        r += 1
    sheet.append(["合计", None, None, None, None, None, None, f"{rows}件"])
    book.save(path)


def bench_import(rows: int, work: Path) -> dict[str, float]:
    from openpyxl import load_workbook

    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.services import ledger_import as li
    from effdesk.services.categories import ensure_default_categories
    from effdesk.services.ledger_import.reader import read_workbook

    path = work / "office-ledger.xlsx"
    build_office_ledger(path, rows)
    db = open_database(f"sqlite:///{work / 'import.sqlite'}", create=True)
    with db.session() as s:
        ensure_default_categories(s)
    t0 = time.process_time()
    read_workbook(path)
    calamine = time.process_time() - t0
    t0 = time.process_time()
    book = load_workbook(path, read_only=True)
    for _ in book.active.iter_rows(values_only=True):
        pass
    book.close()
    openpyxl_ro = time.process_time() - t0
    t0, w0 = time.process_time(), time.perf_counter()
    with db.session() as s:
        plan = li.analyse(s, SYSTEM, path, li.LedgerKind.COMPLAINTS, today=date(2026, 6, 1))
        analysed = time.process_time() - t0
        assert not plan.problems, plan.problems[:5]
        report = li.commit(s, SYSTEM, plan, confirmed=True, today=date(2026, 6, 1))
    total = time.process_time() - t0
    wall = time.perf_counter() - w0
    db.dispose()
    assert report.created["投诉件"] == rows
    return {
        "read_calamine": calamine,
        "read_openpyxl_ro": openpyxl_ro,
        "analyse": analysed,
        "total": total,
        "wall": wall,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        _child(argv[1], argv[2], argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--db", help="数据库地址：再测一次从数据库导出全部投诉件")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-excel-") as tmp:
        work = Path(tmp)
        ours = _run_child("effdesk", work / "effdesk.xlsx", str(args.rows))
        base = _run_child("openpyxl", work / "openpyxl.xlsx", str(args.rows))
        ratio = ours["cpu"] / base["cpu"]
        load = os.getloadavg()[0]
        print(
            f"Export of {args.rows:,} complaint-ledger rows "
            f"({datetime.now():%Y-%m-%d %H:%M}, load average {load:.1f} on {os.cpu_count()} CPUs)"
        )
        print(
            f"  EffDesk (XlsxWriter constant_memory): CPU {ours['cpu']:.2f} s "
            f"(wall {ours['seconds']:.2f} s), peak RSS {ours['peak_rss_mb']:.0f} MB, "
            f"{(work / 'effdesk.xlsx').stat().st_size / 1e6:.1f} MB file"
        )
        print(
            f"  baseline openpyxl write-only:         CPU {base['cpu']:.2f} s "
            f"(wall {base['seconds']:.2f} s), peak RSS {base['peak_rss_mb']:.0f} MB, "
            f"{(work / 'openpyxl.xlsx').stat().st_size / 1e6:.1f} MB file"
        )
        print(
            f"  CPU-time ratio {ratio:.2f} (target ≤ 0.70); peak RSS target < 100 MB: "
            f"{'met' if ratio <= 0.7 and ours['peak_rss_mb'] < 100 else 'NOT met'}"
        )
        if args.db:
            full = _run_child("db", work / "db.xlsx", args.db)
            print(
                f"  from the database ({full['rows']:,.0f} cases: query + stream + write): "
                f"CPU {full['cpu']:.2f} s (wall {full['seconds']:.2f} s), "
                f"peak RSS {full['peak_rss_mb']:.0f} MB"
            )
        result = bench_import(args.import_rows, work)
        print(
            f"Import of a {args.import_rows:,}-row office ledger (.xlsx, merged cells, mixed dates)"
        )
        print(
            f"  read (CPU): python-calamine {result['read_calamine']:.2f} s vs openpyxl read-only "
            f"{result['read_openpyxl_ro']:.2f} s "
            f"({result['read_openpyxl_ro'] / result['read_calamine']:.1f}× faster)"
        )
        print(
            f"  analyse (read, map, check every row) CPU {result['analyse']:.2f} s; "
            f"analyse + commit CPU {result['total']:.2f} s, wall {result['wall']:.2f} s "
            f"(target < 5 s: {'met' if result['total'] < 5 else 'NOT met'} on CPU time)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
