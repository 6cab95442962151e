"""The audit viewer speaks Chinese: object types, the names of changed fields and their values
("campaign_target", "added", "flags", "no_capture_time" were shown raw)."""

from __future__ import annotations

from datetime import datetime

from effdesk.enums import AuditAction
from effdesk.services import audit_view
from effdesk.services.audit_view import AuditRow
from effdesk.ui.security.audit_viewer import describe


def test_a_change_reads_in_chinese() -> None:
    row = AuditRow(
        seq=7,
        at=datetime(2026, 3, 3, 10, 0),
        username="inspector1",
        action=AuditAction.UPDATE,
        action_code="update",
        object_type="finding",
        object_uuid="u-1",
        summary="添加证据",
        before={"status": "pending", "flags": []},
        after={"status": "verified", "flags": ["no_capture_time", "gps_outside_china"], "added": 2},
        host="pc1",
    )
    text = describe(row)
    assert "对象：督查发现问题" in text
    assert "新增：（空） → 2" in text
    assert "疑点：（空） → 无拍摄时间、拍摄位置在中国境外" in text
    assert "状态：待核实 → 已核实" in text
    for raw in ("finding", "no_capture_time", "added", "flags", "pending", "[", "{"):
        assert raw not in text.replace("u-1", "")


def test_every_object_type_written_by_the_code_has_a_label() -> None:
    for code in (
        "campaign_target",
        "attachment",
        "accountability_measure",
        "assessment_run",
        "problem_category",
        "calendar_year",
        "ledger",
        "demo",
    ):
        assert audit_view.object_type_label(code) != code
