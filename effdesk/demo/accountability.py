"""Demo accountability (问责), rectification (整改) and official documents (公文).

Measures cite a concluded, substantiated complaint or a verified finding; circulars cite the
campaign they report on; rectification notices carry items, the unit's reports and the office's
checks. Issued documents get numbers from their yearly series exactly as the documents service
numbers them (their PDFs are not rendered: an issued demo document has no stored PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from effdesk.db.models import (
    AccountabilityMeasure,
    Document,
    DocumentSource,
    NumberSeries,
    Rectification,
    RectificationCheck,
    RectificationItem,
    RectificationReport,
)
from effdesk.demo import vocab
from effdesk.demo._common import Inserter, Rand, Row, WorkDays, office_time, record_columns, table
from effdesk.demo.complaints import ComplaintStats, ConcludedCase
from effdesk.demo.directory import Directory, UnitInfo
from effdesk.demo.inspections import CampaignInfo, FindingInfo, InspectionResult
from effdesk.enums import (
    CampaignStatus,
    CircularTone,
    ComplaintState,
    DocumentState,
    DocumentType,
    FindingStatus,
    MeasureType,
    RectificationNoticeKind,
    RectificationState,
    Role,
    SubjectKind,
)
from effdesk.services.documents import series_key
from effdesk.services.numbering import format_document_number

M = MeasureType
# 人次 per measure for the default demo (~120 in all, lightest most often; every type present).
MEASURE_COUNTS: tuple[tuple[MeasureType, int], ...] = (
    (M.CRITICISM_EDUCATION, 26),
    (M.WRITTEN_SELF_CRITICISM, 16),
    (M.EFFICIENCY_WARNING, 16),
    (M.CIRCULATED_CRITICISM, 18),
    (M.ADMONITION_TALK, 8),
    (M.ORDERED_RECTIFICATION, 10),
    (M.POST_ADJUSTMENT, 5),
    (M.PAY_DEDUCTION, 8),
    (M.PUBLIC_EXPOSURE, 4),
    (M.YELLOW_CARD, 3),
    (M.SUSPENSION, 2),
    (M.DISMISSAL_FROM_POST, 1),
    (M.DISCHARGE, 1),
    (M.REFERRAL, 2),
)
# Share of measures against the unit itself rather than a person.
UNIT_SUBJECT_SHARE = {
    M.CIRCULATED_CRITICISM: 0.5,
    M.ORDERED_RECTIFICATION: 0.7,
    M.YELLOW_CARD: 1.0,
    M.PUBLIC_EXPOSURE: 0.5,
}
VOIDED_MEASURES = 3
# In this order: the oldest causes get the finished notices, the newest the pending ones.
RECTIFICATION_STATES = (
    (RectificationState.DONE, 11),
    (RectificationState.OVERDUE, 4),
    (RectificationState.IN_PROGRESS, 5),
    (RectificationState.PENDING, 4),
)
MAX_SCALE = 10.0


@dataclass
class _Basis:
    unit_id: int
    person_ids: list[int]
    day: date
    complaint: ConcludedCase | None = None
    finding: FindingInfo | None = None


@dataclass
class _Doc:
    id: int
    doc_type: DocumentType
    title: str
    state: DocumentState
    doc_date: date | None
    row: Row
    sources: list[dict[str, int | None]] = field(default_factory=list)
    number: str | None = None


class _Builder:
    def __init__(
        self,
        conn: Connection,
        directory: Directory,
        wd: WorkDays,
        rng: Rand,
        today: date,
        stats: ComplaintStats,
        inspections: InspectionResult,
    ) -> None:
        self.ins = Inserter(conn)
        self.d = directory
        self.wd = wd
        self.rng = rng
        self.today = today
        self.stats = stats
        self.insp = inspections
        self.units = {u.id: u for u in directory.units}
        self.clerks = directory.user_ids(Role.CLERK)
        self.leaders = directory.user_ids(Role.LEADER)
        self.inspectors = directory.user_ids(Role.INSPECTOR)
        # The complaint series took the first number_series ids.
        self.ids: dict[str, int] = {"number_series": stats.number_series}
        self.docs: list[_Doc] = []
        self.last_day = wd.previous(today)

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def clamp(self, day: date) -> date:
        return min(day, self.last_day)

    # ------------------------------------------------------------------ documents

    def document(
        self,
        doc_type: DocumentType,
        title: str,
        body: str,
        day: date,
        *,
        issued: bool = True,
        tone: CircularTone | None = None,
        recipients: str = "各乡镇人民政府、街道办事处，县直各部门，各窗口单位：",
        attachments: list[dict[str, Any]] | None = None,
        sources: list[dict[str, int | None]] | None = None,
        author: int | None = None,
    ) -> _Doc:
        rng = self.rng
        doc_id = self.next_id("documents")
        day = self.clamp(day)
        created = office_time(rng, self.wd.add(day, 0) - timedelta(days=2))
        issued_at = datetime.combine(day, time(16, rng.randint(0, 59))) if issued else None
        row: Row = {
            **record_columns(rng, doc_id, created, issued_at or created),
            "doc_type": doc_type,
            "tone": tone,
            "state": DocumentState.ISSUED if issued else DocumentState.DRAFT,
            "series_id": None,
            "year": None,
            "serial": None,
            "number": None,
            "red_header": doc_type is not DocumentType.REPLY_LETTER,
            "title": title,
            "main_recipients": recipients,
            "body": body,
            "attachments_spec": attachments or [],
            "issuer": vocab.OFFICE_NAME,
            "doc_date": day if issued else None,
            "with_seal": issued,
            "notes": "",
            "copy_to": "县委办公室，县人大常委会办公室，县政府办公室，县政协办公室，县纪委监委。"
            if doc_type is DocumentType.CIRCULAR
            else "",
            "printing_office": vocab.OFFICE_NAME if issued else "",
            "print_date": day if issued else None,
            "author_id": author or rng.pick(self.clerks),
            "issued_at": issued_at,
            "issued_by_id": self.leaders[0] if issued else None,
            "pdf_file_id": None,
            "voided_at": None,
            "voided_by_id": None,
            "void_reason": "",
            "supersedes_id": None,
        }
        doc = _Doc(
            doc_id,
            doc_type,
            title,
            row["state"],
            row["doc_date"],
            row,
            sources or [],
        )
        self.docs.append(doc)
        return doc

    def number_documents(self) -> None:
        """Serials per (type, year) in date order, as issuing them one by one would have."""
        series: dict[tuple[DocumentType, int], int] = {}
        series_ids: dict[tuple[DocumentType, int], int] = {}
        issued = [d for d in self.docs if d.row["state"] is not DocumentState.DRAFT]
        for doc in sorted(issued, key=lambda d: (d.row["issued_at"], d.id)):
            assert doc.doc_date is not None
            key = (doc.doc_type, doc.doc_date.year)
            series[key] = series.get(key, 0) + 1
            if key not in series_ids:
                series_ids[key] = self.next_id("number_series")
            prefix = vocab.DOCUMENT_PREFIXES[doc.doc_type.value]
            doc.number = format_document_number(prefix, key[1], series[key])
            doc.row.update(
                series_id=series_ids[key], year=key[1], serial=series[key], number=doc.number
            )
        at = datetime.combine(self.last_day, time(17, 0))
        for key, last in series.items():
            self.ins.add(
                table(NumberSeries),
                {
                    **record_columns(self.rng, series_ids[key], at),
                    "key": series_key(key[0]),
                    "year": key[1],
                    "prefix": vocab.DOCUMENT_PREFIXES[key[0].value],
                    "last_number": last,
                },
            )

    def write_documents(self) -> None:
        for doc in self.docs:
            self.ins.add(table(Document), doc.row)
            for src in doc.sources:
                self.ins.add(
                    table(DocumentSource),
                    {
                        **record_columns(
                            self.rng, self.next_id("document_sources"), doc.row["created_at"]
                        ),
                        "document_id": doc.id,
                        "complaint_id": src.get("complaint_id"),
                        "finding_id": src.get("finding_id"),
                        "campaign_id": src.get("campaign_id"),
                        "rectification_id": src.get("rectification_id"),
                    },
                )

    def circular(self, campaign: CampaignInfo, *, issued: bool = True) -> _Doc:
        findings = campaign.findings
        confirmed = [
            f for f in findings if f.status in (FindingStatus.VERIFIED, FindingStatus.HANDLED)
        ]
        unit_names = []
        for f in confirmed:
            name = self.units[f.unit_id].name
            if name not in unit_names:
                unit_names.append(name)
        lines = [
            f"为进一步转变机关作风，提高行政效能，{vocab.OFFICE_SHORT}于{campaign.start:%Y年%m月%d日}至"
            f"{campaign.end:%m月%d日}组织开展了{campaign.name.removeprefix(str(campaign.start.year) + '年')}，"
            f"采取{campaign.kind.label}的方式，对{len(campaign.unit_ids)}个单位进行了检查。现将有关情况通报如下：",
            "一、总体情况",
            f"从检查情况看，大多数单位作风纪律较好，但仍有{len(unit_names)}个单位存在问题，"
            f"共发现问题{len(confirmed)}个。",
            "二、存在的问题",
        ]
        for i, f in enumerate(confirmed[:8], start=1):
            lines.append(
                f"（{_cn(i)}）{self.units[f.unit_id].name}：{f.observed_at:%m月%d日}，"
                f"{self.d.categories[f.category_code][1]}问题。"
            )
        lines += [
            "三、处理意见",
            "对上述问题，责成相关单位对当事人进行批评教育，并于通报印发之日起15个工作日内将整改情况"
            f"书面报送{vocab.OFFICE_SHORT}。",
            "四、工作要求",
            "各单位要引以为戒，举一反三，严格落实首问负责制、限时办结制和责任追究制，切实改进作风。"
            f"{vocab.OFFICE_SHORT}将持续开展明察暗访，对问题突出的单位和个人严肃追责问责。",
        ]
        photos = [a for f in confirmed for a in f.attachment_ids][:6]
        attachments = (
            [{"title": "检查现场照片", "kind": "photos", "text": "", "attachment_ids": photos}]
            if photos
            else []
        )
        day = self.wd.add(campaign.end, self.rng.randint(5, 10))
        title_name = campaign.name.removeprefix(f"{campaign.start.year}年")
        return self.document(
            DocumentType.CIRCULAR,
            f"关于{campaign.start.year}年{title_name}情况的通报",
            "\n".join(lines),
            day,
            issued=issued,
            tone=CircularTone.CRITICISM,
            attachments=attachments,
            sources=[{"campaign_id": campaign.id}],
            author=self.inspectors[0],
        )

    # ------------------------------------------------------------------ measures

    def bases(self) -> list[_Basis]:
        rng = self.rng
        out: list[_Basis] = []
        for c in self.stats.concluded:
            out.append(_Basis(c.unit_id, c.person_ids, c.concluded_date, complaint=c))
        for f in self.insp.findings:
            if f.status in (FindingStatus.VERIFIED, FindingStatus.HANDLED):
                day = self.wd.add(f.observed_at.date(), rng.randint(3, 12))
                out.append(_Basis(f.unit_id, f.person_ids, day, finding=f))
        rng.shuffle(out)
        return out

    def measures(self, scale: float, circulars: dict[int, _Doc], warning: _Doc | None) -> list[Row]:
        rng = self.rng
        bases = self.bases()
        if not bases:
            return []
        plan: list[MeasureType] = []
        for measure, count in MEASURE_COUNTS:
            plan += [measure] * max(1, round(count * min(scale, MAX_SCALE)))
        rng.shuffle(plan)
        rows: list[Row] = []
        for i, measure in enumerate(plan):
            basis = bases[i % len(bases)]
            unit = self.units[basis.unit_id]
            as_unit = rng.chance(UNIT_SUBJECT_SHARE.get(measure, 0.0))
            person_id = None
            if not as_unit:
                person_id = basis.person_ids[0] if basis.person_ids else rng.pick(unit.frontline).id
            day = self.clamp(self.wd.add(basis.day, rng.randint(0, 6)))
            decided = office_time(rng, day)
            body = (
                vocab.DECIDING_BODIES[1]
                if measure.severity >= M.ADMONITION_TALK.severity
                and measure is not M.REFERRAL
                and rng.chance(0.5)
                else vocab.OFFICE_NAME
            )
            doc: _Doc | None = None
            if measure is M.CIRCULATED_CRITICISM and basis.finding:
                doc = circulars.get(basis.finding.campaign_id or 0)
            if measure is M.EFFICIENCY_WARNING and warning is not None and rng.chance(0.3):
                doc = warning
            row: Row = {
                **record_columns(rng, self.next_id("accountability_measures"), decided),
                "subject_kind": SubjectKind.UNIT if person_id is None else SubjectKind.PERSON,
                "person_id": person_id,
                "unit_id": unit.id,
                "measure": measure,
                "decided_date": day,
                "complaint_id": basis.complaint.id if basis.complaint else None,
                "finding_id": basis.finding.id if basis.finding else None,
                "deciding_body": body,
                "document_number": "",
                "document_id": doc.id if doc else None,
                "amount": Decimal(rng.pick((200, 300, 500, 800, 1000, 2000)))
                if measure is M.PAY_DEDUCTION
                else None,
                "notes": f"依据《{vocab.COUNTY}机关效能问责办法》第{_cn(rng.randint(5, 18))}条。",
                "recorded_by_id": rng.pick(self.clerks),
                "voided": False,
                "void_reason": "",
                "voided_at": None,
                "voided_by_id": None,
                "_doc": doc,
            }
            rows.append(row)
        for row in rng.sample(rows, min(VOIDED_MEASURES, len(rows))):
            voided_day = self.clamp(self.wd.add(row["decided_date"], rng.randint(3, 10)))
            at = office_time(rng, voided_day)
            row.update(
                voided=True,
                void_reason="经复核，当事人系按规定程序办理，不应追责，撤销该问责决定。",
                voided_at=at,
                voided_by_id=self.leaders[0],
                updated_at=max(at, row["created_at"]),
                version=2,
            )
        return rows

    # ------------------------------------------------------------------ rectification

    def rectifications(self) -> list[tuple[int, UnitInfo, int | None, date]]:
        """Rectifications in every state; returns (id, unit, finding id, issued) for notices."""
        rng, wd = self.rng, self.wd
        sources: list[tuple[UnitInfo, int | None, int | None, int | None, date]] = []
        for f in self.insp.findings:
            if f.rectification_required:
                day = wd.add(f.observed_at.date(), rng.randint(5, 12))
                sources.append((self.units[f.unit_id], None, f.id, f.campaign_id, day))
        for c in self.stats.concluded[:12]:
            sources.append((self.units[c.unit_id], c.id, None, None, wd.add(c.concluded_date, 2)))
        # Oldest sources for the finished notices, newest for the pending ones.
        sources.sort(key=lambda item: item[4])
        plan: list[RectificationState] = []
        for state, count in RECTIFICATION_STATES:
            plan += [state] * count
        out: list[tuple[int, UnitInfo, int | None, date]] = []
        for state in plan:
            unit, complaint_id, finding_id, campaign_id, source_day = (
                sources.pop(0)
                if sources
                else (rng.pick(self.d.units), None, None, None, self.today - timedelta(days=60))
            )
            # The state decides how long ago the notice went out (never before its cause).
            if state is RectificationState.PENDING:
                issued = wd.previous(self.today) - timedelta(days=rng.randint(0, 5))
            elif state is RectificationState.IN_PROGRESS:
                issued = self.today - timedelta(days=rng.randint(8, 18))
            elif state is RectificationState.OVERDUE:
                issued = self.today - timedelta(days=rng.randint(30, 60))
            else:
                issued = min(source_day, self.today - timedelta(days=rng.randint(45, 200)))
            issued = wd.add(max(issued, source_day), 0)
            if issued >= self.today:
                issued = wd.previous(self.today)
            deadline = wd.deadline(issued, 15)
            if state is RectificationState.OVERDUE and deadline.due >= self.today:
                state = RectificationState.IN_PROGRESS
            rid = self.next_id("rectifications")
            created = office_time(rng, issued)
            kind = (
                RectificationNoticeKind.SUPERVISION
                if rng.chance(0.3)
                else RectificationNoticeKind.RECTIFICATION
            )
            completed = None
            ever_overdue = state is RectificationState.OVERDUE
            reports: list[tuple[date, str]] = []
            checks: list[tuple[date, bool, str, date | None]] = []
            if state is RectificationState.DONE:
                report_day = wd.add(issued, rng.randint(8, 18))
                reports.append((report_day, rng.pick(vocab.RECTIFICATION_REPORTS)))
                check_day = wd.add(report_day, rng.randint(2, 5))
                if rng.chance(0.25):
                    new_deadline = wd.add(check_day, 10)
                    checks.append(
                        (check_day, False, "整改措施未落实到位，考勤制度仍流于形式。", new_deadline)
                    )
                    report_day = wd.add(check_day, rng.randint(4, 8))
                    reports.append(
                        (report_day, "已按验收意见补充整改，考勤实行指纹打卡并每周通报。")
                    )
                    check_day = wd.add(report_day, rng.randint(1, 3))
                checks.append((check_day, True, "", None))
                if check_day >= self.today:
                    # Too recent to be checked already: still being worked on.
                    state = RectificationState.IN_PROGRESS
                    reports = [r for r in reports if r[0] < self.today]
                    checks = [c for c in checks if c[0] < self.today and not c[1]]
                else:
                    completed = check_day
                    ever_overdue = completed > deadline.due
            elif state is RectificationState.IN_PROGRESS and rng.chance(0.5):
                reports.append(
                    (wd.add(issued, rng.randint(3, 6)), "正在整改，已完成部分整改事项。")
                )
            last = max([created, *[office_time(rng, d) for d, *_ in checks or reports]])
            self.ins.add(
                table(Rectification),
                {
                    **record_columns(rng, rid, created, last),
                    "unit_id": unit.id,
                    "notice_kind": kind,
                    "state": state,
                    "issued_date": issued,
                    "deadline": deadline.due,
                    "deadline_provisional": deadline.provisional,
                    "complaint_id": complaint_id,
                    "finding_id": finding_id,
                    "campaign_id": campaign_id,
                    "notice_document_id": None,
                    "requirements": "请你单位针对发现的问题，认真剖析原因，逐项制定整改措施，于"
                    f"{deadline.due:%Y年%m月%d日}前将整改情况书面报送{vocab.OFFICE_SHORT}。",
                    "completed_date": completed,
                    "ever_overdue": ever_overdue,
                    "created_by_id": rng.pick(self.inspectors + self.clerks),
                    "voided": False,
                    "void_reason": "",
                },
            )
            for order, item in enumerate(
                rng.sample(vocab.RECTIFICATION_ITEMS, rng.randint(2, 4)), 1
            ):
                self.ins.add(
                    table(RectificationItem),
                    {
                        **record_columns(rng, self.next_id("rectification_items"), created),
                        "rectification_id": rid,
                        "text": item,
                        "sort_order": order,
                    },
                )
            for day, text in reports:
                at = office_time(rng, day)
                self.ins.add(
                    table(RectificationReport),
                    {
                        **record_columns(rng, self.next_id("rectification_reports"), at),
                        "rectification_id": rid,
                        "received_date": day,
                        "text": text,
                        "recorded_by_id": rng.pick(self.clerks),
                    },
                )
            for day, passed, reasons, next_deadline in checks:
                at = office_time(rng, day)
                self.ins.add(
                    table(RectificationCheck),
                    {
                        **record_columns(rng, self.next_id("rectification_checks"), at),
                        "rectification_id": rid,
                        "check_date": day,
                        "passed": passed,
                        "reasons": reasons,
                        "new_deadline": next_deadline,
                        "checked_by_id": rng.pick(self.inspectors),
                    },
                )
            out.append((rid, unit, finding_id, issued))
        return out


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def build_accountability(
    conn: Connection,
    directory: Directory,
    workdays: WorkDays,
    rng: Rand,
    today: date,
    stats: ComplaintStats,
    inspections: InspectionResult,
    scale: float = 1.0,
) -> dict[str, int]:
    """Measures, rectifications with items/reports/checks, and documents; returns row counts."""
    b = _Builder(conn, directory, workdays, rng, today, stats, inspections)
    wd = workdays
    done = [c for c in inspections.campaigns if c.status is CampaignStatus.COMPLETED]
    circulars: dict[int, _Doc] = {}
    for campaign in done[:3]:
        circulars[campaign.id] = b.circular(campaign)
    running = [c for c in inspections.campaigns if c.status is CampaignStatus.IN_PROGRESS]
    for campaign in running:
        b.circular(campaign, issued=False)
    # A circular voided for a wrong figure, and the correction that replaced it.
    if len(done) > 3:
        wrong = b.circular(done[3])
        fixed = b.circular(done[3])
        fixed.row["issued_at"] = wrong.row["issued_at"] + timedelta(days=1)
        fixed.row["doc_date"] = fixed.doc_date = b.clamp(wrong.row["doc_date"] + timedelta(days=1))
        fixed.row["print_date"] = fixed.doc_date
        fixed.row["supersedes_id"] = wrong.id
        voided_at = wrong.row["issued_at"] + timedelta(hours=20)
        wrong.row.update(
            state=DocumentState.VOIDED,
            voided_at=voided_at,
            voided_by_id=b.leaders[0],
            void_reason="通报中问题数量统计有误，予以作废，以更正后的通报为准。",
            updated_at=voided_at,
            version=2,
        )
        circulars[done[3].id] = fixed
    year = wd.previous(today).year
    b.document(
        DocumentType.CIRCULAR,
        f"关于表扬{year}年度窗口服务先进单位的通报",
        "为树立先进典型，经综合考评，决定对服务群众满意度高、无有效投诉的窗口单位予以通报表扬。"
        "\n希望受表扬的单位珍惜荣誉，再接再厉；各单位要以先进为榜样，不断提升服务水平。",
        wd.previous(today) - timedelta(days=40),
        tone=CircularTone.COMMENDATION,
    )
    warning: _Doc | None = None
    if stats.concluded:
        case = stats.concluded[0]
        unit = b.units[case.unit_id]
        warning = b.document(
            DocumentType.WARNING_NOTICE,
            f"关于对{unit.name}有关人员给予效能告诫的通知",
            f"{unit.name}：\n经调查，投诉件{case.number}反映的问题{case.verification.label}。"
            "根据《机关效能问责办法》有关规定，决定对相关责任人给予效能告诫。"
            f"请你单位于收到本通知之日起10个工作日内将处理和整改情况报{vocab.OFFICE_SHORT}。",
            wd.add(case.concluded_date, 3),
            recipients=f"{unit.name}：",
            sources=[{"complaint_id": case.id}],
        )
    rect_ids = b.rectifications()
    notices: list[tuple[int, _Doc]] = []
    for rid, unit, finding_id, issued in rect_ids[:3]:
        doc = b.document(
            DocumentType.RECTIFICATION_NOTICE,
            f"关于责成{unit.name}限期整改的通知",
            f"{unit.name}：\n{vocab.OFFICE_SHORT}在督查中发现你单位存在作风纪律问题，现责成你单位"
            "限期整改。请对照整改事项逐项落实，按期书面报送整改情况。",
            issued,
            recipients=f"{unit.name}：",
            sources=[{"rectification_id": rid, "finding_id": finding_id}],
        )
        notices.append((rid, doc))
    if len(rect_ids) > 3:
        rid, unit, _f, issued = rect_ids[3]
        b.document(
            DocumentType.SUPERVISION_NOTICE,
            f"关于督促{unit.name}抓紧办理有关事项的督办通知",
            f"{unit.name}：\n你单位承办的有关事项至今未按期办结，请于5个工作日内办结并书面报告。",
            issued,
            recipients=f"{unit.name}：",
            sources=[{"rectification_id": rid}],
        )
    if stats.answered:
        cid, number, unit_id, reply_day = stats.answered[-1]
        b.document(
            DocumentType.REPLY_LETTER,
            f"关于投诉件{number}办理情况的答复",
            f"您反映的问题，我办已交{b.units[unit_id or 1].name}调查处理，现将结果答复如下：经调查，"
            "反映问题已按规定处理。感谢您对机关效能建设的关心和支持。",
            reply_day or wd.previous(today),
            recipients="投诉人：",
            sources=[{"complaint_id": cid}],
        )
    states = stats.states
    b.document(
        DocumentType.BULLETIN,
        "机关效能建设工作简报",
        f"全县机关效能建设工作情况：近一年来，{vocab.OFFICE_SHORT}共受理企业和群众各类投诉"
        f"{stats.total}件，已办结{sum(states.get(s, 0) for s in _CLOSED)}件；组织开展明察暗访"
        f"{len(done)}次，发现问题{len(inspections.findings)}个。",
        wd.previous(today) - timedelta(days=5),
        recipients="",
    )
    b.document(
        DocumentType.NOTICE,
        f"关于开展{year}年末上下班纪律突击检查的通知",
        "为进一步严肃工作纪律，经研究，决定于近期开展上下班纪律突击检查。请各单位认真做好自查自纠。",
        today,
        issued=False,
    )
    b.number_documents()
    for rid, doc in notices:
        _link_notice(b, rid, doc)
    measure_rows = b.measures(scale, circulars, warning)
    for row in measure_rows:
        doc = row.pop("_doc")
        if doc is not None and doc.number:
            row["document_number"] = doc.number
    b.write_documents()
    b.ins.extend(table(AccountabilityMeasure), measure_rows)
    # Parents first: documents before the rectifications citing them as their notice, those
    # before the document sources citing them back.
    b.ins.flush(
        [
            table(NumberSeries),
            table(Document),
            table(Rectification),
            table(RectificationItem),
            table(RectificationReport),
            table(RectificationCheck),
            table(DocumentSource),
            table(AccountabilityMeasure),
        ]
    )
    return b.ins.counts


_CLOSED = (ComplaintState.CONCLUDED, ComplaintState.ANSWERED, ComplaintState.ARCHIVED)


def _link_notice(b: _Builder, rectification_id: int, doc: _Doc) -> None:
    for row in b.ins.pending.get(Rectification.__tablename__, []):
        if row["id"] == rectification_id:
            row["notice_document_id"] = doc.id
