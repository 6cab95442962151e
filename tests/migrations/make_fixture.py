"""Build tests/migrations/data/effdesk-<rev>.sqlite: a database at an old schema revision, with data.

Run once when a revision is released, and commit the file; the migration tests upgrade it to head.
Rows are written with plain SQL against the schema *as it was* at that revision (reflected), so
the script does not depend on today's models.

    .venv/bin/python tests/migrations/make_fixture.py 0001
"""

from __future__ import annotations

import sqlite3
import sys
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, Numeric, String, Text

from effdesk.db.engine import alembic_config, make_engine

OUT = Path(__file__).resolve().parent / "data"
T0 = datetime(2026, 3, 5, 9, 30)


def filler(col: Any) -> Any:
    t = col.type
    if isinstance(t, Boolean):
        return False
    if isinstance(t, Integer | Numeric):
        return 1 if col.name == "version" else 0
    if isinstance(t, DateTime):
        return T0
    if isinstance(t, Date):
        return T0.date()
    if isinstance(t, JSON):
        return {}
    if isinstance(t, String | Text):
        return str(uuid.uuid4()) if col.name == "uuid" else ""
    return None


def insert(conn: Any, meta: MetaData, table: str, **values: Any) -> int:
    t = meta.tables[table]
    row = {c.name: filler(c) for c in t.columns if not c.nullable and c.name not in values}
    row.pop("id", None)
    row.update(values)
    result = conn.execute(t.insert().values(**row))
    return int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0


def build(revision: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"effdesk-{revision}.sqlite"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), revision)
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as c:
        county = insert(
            c,
            meta,
            "units",
            name="县公安局",
            kind="department",
            category="first",
            pinyin="gaj gonganju",
            contact_person="王强",
            contact_phone="0839-1234567",
        )
        town = insert(c, meta, "units", name="青石镇", kind="town", category="second")
        window = insert(
            c,
            meta,
            "units",
            name="青石镇便民服务中心",
            kind="window",
            category="third",
            parent_id=town,
        )
        person = insert(c, meta, "persons", unit_id=county, name="李明", post="科长")
        insert(c, meta, "persons", unit_id=window, description="3号窗口女工作人员")
        clerk = insert(c, meta, "users", username="clerk", display_name="张受理")
        c.execute(meta.tables["user_roles"].insert().values(user_id=clerk, role="clerk"))
        cat = insert(
            c, meta, "problem_categories", code="delay", name="办事拖拉/效率低下", sort_order=1
        )
        insert(c, meta, "number_series", key="complaint", year=2026, prefix="效投", last_number=2)
        for i, (state, summary) in enumerate(
            [
                ("investigating", "办理营业执照变更被要求反复补材料"),
                ("concluded", "窗口工作人员上班时间玩手机游戏"),
            ],
            start=1,
        ):
            cid = insert(
                c,
                meta,
                "complaints",
                number=f"效投2026-{i:04d}",
                received_at=T0,
                received_date=T0.date(),
                channel="phone",
                complainant_name="赵女士",
                complainant_phone="13800001111",
                unit_id=county,
                category_id=cat,
                summary=summary,
                content=summary + "，请求督促解决。",
                complainant_kind="citizen",
                complexity="normal",
                state=state,
                due_date=date(2026, 3, 26),
                limit_days=15,
                registered_by_id=clerk,
                search_text=f"效投2026-{i:04d} 县公安局 {summary}",
                search_identity="赵女士 13800001111",
                verification="substantiated" if state == "concluded" else None,
                concluded_date=date(2026, 3, 20) if state == "concluded" else None,
            )
            insert(c, meta, "complaint_persons", complaint_id=cid, person_id=person)
            insert(
                c,
                meta,
                "complaint_events",
                complaint_id=cid,
                at=T0,
                actor_id=clerk,
                kind="registered",
                to_state="registered",
                text="电话登记",
                changes={"channel": [None, "phone"]},
            )
        camp = insert(
            c,
            meta,
            "campaigns",
            name="2026年春节后上班纪律明察暗访",
            kind="undercover",
            theme="上下班纪律",
            start_date=date(2026, 2, 24),
            end_date=date(2026, 2, 26),
            status="completed",
        )
        insert(c, meta, "campaign_targets", campaign_id=camp, unit_id=window, status="issues")
        fid = insert(
            c,
            meta,
            "findings",
            campaign_id=camp,
            unit_id=window,
            place="综合窗口",
            observed_at=datetime(2026, 2, 24, 9, 10),
            description="9:10窗口无人",
            origin="office",
            status="verified",
        )
        sf = insert(
            c,
            meta,
            "stored_files",
            sha256="a" * 64,
            size=1234,
            mime="image/jpeg",
            media_kind="photo",
            captured_at=datetime(2026, 2, 24, 9, 10),
            gps_lat=32.4,
            gps_lon=105.2,
            first_imported_at=T0,
        )
        insert(
            c,
            meta,
            "attachments",
            file_id=sf,
            finding_id=fid,
            original_name="IMG_0001.JPG",
            role="evidence",
            imported_at=T0,
            flags=[],
        )
        insert(
            c,
            meta,
            "accountability_measures",
            subject_kind="unit",
            unit_id=window,
            measure="circulated_criticism",
            decided_date=date(2026, 3, 1),
            finding_id=fid,
        )
        insert(
            c,
            meta,
            "documents",
            doc_type="circular",
            tone="criticism",
            state="draft",
            title="关于2026年春节后上班纪律明察暗访情况的通报",
            attachments_spec=[],
        )
        insert(c, meta, "settings", key="office.name", value="青川县机关效能建设领导小组办公室")
        insert(c, meta, "calendar_years", year=2027, source_text="")
        insert(c, meta, "calendar_days", day=date(2027, 1, 1), is_workday=False, name="元旦")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("VACUUM")
    con.close()
    return path


if __name__ == "__main__":
    print(build(sys.argv[1] if len(sys.argv) > 1 else "0001"))
