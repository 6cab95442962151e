"""Demo spot checks: 10 campaigns (every kind), their targets and teams, ~150 findings, and
evidence photos stored content-addressed with EXIF facts and doubt flags."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection

from effdesk.calendar import WorkCalendar
from effdesk.db.models import (
    Attachment,
    Campaign,
    CampaignMember,
    CampaignTarget,
    Finding,
    FindingPerson,
    StoredFile,
)
from effdesk.demo import vocab
from effdesk.demo._common import Inserter, Rand, WorkDays, office_time, record_columns, table
from effdesk.demo.directory import Directory, PersonInfo, UnitInfo
from effdesk.demo.photos import make_photo
from effdesk.enums import (
    AttachmentRole,
    CampaignKind,
    CampaignStatus,
    EvidenceFlag,
    FindingOrigin,
    FindingStatus,
    MeasureType,
    Role,
    TargetStatus,
    UnitKind,
)
from effdesk.evidence.media import DERIVATIVE_SIZES, examine
from effdesk.evidence.store import EvidenceStore
from effdesk.services.evidence import gps_outliers, window_for_dates

# Distance beyond which a photo is flagged as taken elsewhere (the settings default).
GPS_OUTLIER_M = 2000.0
# Findings per visited campaign (completed or in progress); about 150 in all.
FINDINGS_PER_CAMPAIGN = (13, 21)
PROPOSALS = (
    (MeasureType.CRITICISM_EDUCATION, 30),
    (MeasureType.WRITTEN_SELF_CRITICISM, 20),
    (MeasureType.EFFICIENCY_WARNING, 18),
    (MeasureType.CIRCULATED_CRITICISM, 18),
    (MeasureType.ADMONITION_TALK, 6),
    (MeasureType.ORDERED_RECTIFICATION, 6),
    (MeasureType.PAY_DEDUCTION, 2),
)
THEME_CATEGORIES: dict[str, tuple[str, ...]] = {
    "上下班纪律": ("discipline", "discipline", "discipline", "other"),
    "窗口服务": ("attitude", "slow", "discipline", "other", "arbitrary_charges"),
    "上班时间吃早餐": ("discipline",),
    "优化营商环境": ("slow", "buck_passing", "defiance", "arbitrary_charges"),
    "会风会纪": ("meeting_style",),
    "节日期间作风": ("discipline", "other"),
    "重点项目推进": ("defiance", "buck_passing", "slow"),
    "上班纪律": ("discipline",),
}


@dataclass
class FindingInfo:
    id: int
    campaign_id: int | None
    unit_id: int
    person_ids: list[int]
    observed_at: datetime
    status: FindingStatus
    category_code: str
    proposed_measure: MeasureType | None
    rectification_required: bool
    attachment_ids: list[int] = field(default_factory=list)


@dataclass
class CampaignInfo:
    id: int
    name: str
    kind: CampaignKind
    theme: str
    start: date
    end: date
    status: CampaignStatus
    unit_ids: list[int]
    leader_id: int
    findings: list[FindingInfo] = field(default_factory=list)


@dataclass
class InspectionResult:
    campaigns: list[CampaignInfo]
    findings: list[FindingInfo]
    photos: int
    counts: dict[str, int]


def _kind(code: str) -> CampaignKind:
    return next(k for k in CampaignKind if k.value == code)


def _spring_festival_end(calendar: WorkCalendar, year: int) -> date | None:
    """The last day of the Spring Festival holiday of ``year`` (None if unknown)."""
    last = None
    day = date(year, 1, 10)
    while day < date(year, 3, 10):
        if calendar.holiday_name(day) == "春节":
            last = day
        day += timedelta(days=1)
    return last


def _campaign_dates(
    index: int, kind: CampaignKind, today: date, wd: WorkDays
) -> tuple[date, date, CampaignStatus]:
    """Dates and status of campaign ``index`` of vocab.CAMPAIGNS, spread over the past year."""
    length = 1 if kind is CampaignKind.SURPRISE else 3 if index % 2 else 5
    if index == 0:  # the week after the Spring Festival holiday
        for year in (today.year, today.year - 1):
            end = _spring_festival_end(wd.calendar, year)
            if end is not None and end + timedelta(days=10) < today:
                start = wd.add(end, 1)
                return start, wd.add(start, 4), CampaignStatus.COMPLETED
        start = wd.add(today - timedelta(days=300), 0)
        return start, wd.add(start, 4), CampaignStatus.COMPLETED
    if index == 6:  # before the Mid-autumn / National Day holidays
        year = today.year if date(today.year, 9, 30) < today else today.year - 1
        start = wd.add(date(year, 9, 21), 0)
        return start, wd.add(start, 4), CampaignStatus.COMPLETED
    if index == 8:  # running now
        start = wd.add(today - timedelta(days=8), 0)
        return start, wd.add(today, 4), CampaignStatus.IN_PROGRESS
    if index == 9:  # planned for the coming weeks
        start = wd.add(today + timedelta(days=14), 0)
        return start, start, CampaignStatus.PLANNED
    months_back = {1: 9.0, 2: 7.0, 3: 5.0, 4: 4.0, 5: 2.8, 7: 1.5}[index]
    start = wd.add(today - timedelta(days=int(months_back * 30.4)), 0)
    end = start if length == 1 else wd.add(start, length - 1)
    return start, end, CampaignStatus.COMPLETED


def _targets(rng: Rand, index: int, directory: Directory) -> list[UnitInfo]:
    units = directory.units
    windows = [u for u in units if u.name.startswith("县政务服务中心")]
    centres = [u for u in units if u.name.endswith("便民服务中心")]
    departments = [u for u in units if u.kind is UnitKind.DEPARTMENT]
    public = [
        u for u in units if u.kind in (UnitKind.WINDOW, UnitKind.ENTERPRISE) and u.parent_id is None
    ]
    pool = {
        1: windows,
        2: departments,
        3: centres,
        4: [u for u in departments if u.weight >= 1.0] + windows[:4],
        5: departments + [u for u in units if u.kind is UnitKind.TOWN],
        7: [u for u in departments if u.weight >= 0.8],
        8: windows + public,
    }.get(index, departments + centres + public)
    count = min(len(pool), len(windows) if index == 1 else rng.randint(10, 16))
    chosen = rng.sample(pool, count)
    return sorted(chosen, key=lambda u: u.id)


def _unit_position(rng: Rand, unit: UnitInfo) -> tuple[float, float]:
    """Where a unit is: county-seat units within ~3 km of the centre, towns 6–25 km out."""
    spread_km = rng.uniform(6, 25) if unit.kind is UnitKind.TOWN or "便民" in unit.name else 3.0
    angle = rng.uniform(0, 2 * math.pi)
    dist = rng.uniform(0.2, 1.0) * spread_km
    lat = vocab.CENTRE_LAT + dist * math.cos(angle) / 111.0
    lon = vocab.CENTRE_LON + dist * math.sin(angle) / (111.0 * math.cos(math.radians(lat)))
    return lat, lon


class _Builder:
    def __init__(
        self,
        conn: Connection,
        files_dir: Path,
        directory: Directory,
        wd: WorkDays,
        rng: Rand,
        today: date,
    ) -> None:
        self.ins = Inserter(conn)
        self.store = EvidenceStore(files_dir)
        self.d = directory
        self.wd = wd
        self.rng = rng
        self.today = today
        self.inspectors = directory.user_ids(Role.INSPECTOR)
        self.leaders = directory.user_ids(Role.LEADER)
        self.positions = {u.id: _unit_position(rng, u) for u in directory.units}
        self.ids: dict[str, int] = {}
        self.photos = 0

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def campaigns(self) -> list[CampaignInfo]:
        out: list[CampaignInfo] = []
        rng = self.rng
        for index, (name, kind_code, theme, description) in enumerate(vocab.CAMPAIGNS):
            kind = _kind(kind_code)
            start, end, status = _campaign_dates(index, kind, self.today, self.wd)
            cid = self.next_id("campaigns")
            leader = self.leaders[index % len(self.leaders)]
            created = datetime.combine(self.wd.previous(start), time(10, 0))
            targets = _targets(rng, index, self.d)
            info = CampaignInfo(
                id=cid,
                name=name.format(year=start.year),
                kind=kind,
                theme=theme,
                start=start,
                end=end,
                status=status,
                unit_ids=[u.id for u in targets],
                leader_id=leader,
            )
            updated = (
                datetime.combine(end, time(17, 0))
                if status is CampaignStatus.COMPLETED
                else created
            )
            self.ins.add(
                table(Campaign),
                {
                    **record_columns(rng, cid, created, updated),
                    "name": info.name,
                    "kind": kind,
                    "theme": theme,
                    "start_date": start,
                    "end_date": end,
                    "status": status,
                    "description": description,
                    "leader_id": leader,
                    "created_by_id": self.inspectors[0],
                },
            )
            team = [*self.inspectors] + ([leader] if index % 3 == 0 else [])
            for user_id in team:
                self.ins.add(table(CampaignMember), {"campaign_id": cid, "user_id": user_id})
            out.append(info)
            self._findings_of(info, targets)
        return out

    def _findings_of(self, campaign: CampaignInfo, targets: list[UnitInfo]) -> None:
        rng = self.rng
        visited: dict[int, datetime] = {}
        issue_units: list[UnitInfo] = []
        if campaign.status is not CampaignStatus.PLANNED:
            days = [
                d
                for d in (campaign.start + timedelta(days=i) for i in range(40))
                if d <= campaign.end and self.wd.is_workday(d) and d < self.today
            ] or [campaign.start]
            share = 0.5 if campaign.status is CampaignStatus.IN_PROGRESS else 1.0
            for unit in targets:
                if rng.random() < share:
                    visited[unit.id] = office_time(rng, rng.pick(days), morning_only=True)
            candidates = [u for u in targets if u.id in visited]
            low, high = FINDINGS_PER_CAMPAIGN
            n_issue_units = min(len(candidates), max(1, int(len(candidates) * 0.6)))
            issue_units = rng.sample(candidates, n_issue_units)
            n_findings = rng.randint(low, high) if share == 1.0 else rng.randint(5, 9)
            for i in range(n_findings):
                unit = issue_units[i % len(issue_units)]
                self._finding(campaign, unit, visited[unit.id])
        for unit in targets:
            at = visited.get(unit.id)
            status = (
                TargetStatus.PENDING
                if at is None
                else TargetStatus.ISSUES
                if any(f.unit_id == unit.id for f in campaign.findings)
                else TargetStatus.NO_ISSUE
            )
            tid = self.next_id("campaign_targets")
            created = datetime.combine(campaign.start, time(8, 0))
            self.ins.add(
                table(CampaignTarget),
                {
                    **record_columns(rng, tid, created, at or created),
                    "campaign_id": campaign.id,
                    "unit_id": unit.id,
                    "status": status,
                    "visited_at": at,
                    "notes": ""
                    if at is None
                    else "已检查，详见督查发现问题。"
                    if status is TargetStatus.ISSUES
                    else "",
                },
            )

    def _finding(self, campaign: CampaignInfo, unit: UnitInfo, visit: datetime) -> None:
        rng = self.rng
        fid = self.next_id("findings")
        category = rng.pick(THEME_CATEGORIES.get(campaign.theme, ("discipline",)))
        observed = visit + timedelta(minutes=rng.randint(0, 50))
        age = (self.today - observed.date()).days
        if campaign.status is CampaignStatus.IN_PROGRESS:
            status = FindingStatus.VERIFIED if rng.chance(0.3) else FindingStatus.PENDING
        else:
            r = rng.random()
            handled_p = 0.6 if age > 30 else 0.2
            status = (
                FindingStatus.HANDLED
                if r < handled_p
                else FindingStatus.VERIFIED
                if r < handled_p + 0.22
                else FindingStatus.DISMISSED
                if r < handled_p + 0.34
                else FindingStatus.PENDING
            )
        persons, descriptions = self._finding_persons(unit, category)
        person_label = persons[0].label if persons else (descriptions or ["工作人员"])[0]
        place = rng.pick(vocab.FINDING_PLACES).format(
            matter=rng.pick(unit.matters), n=rng.randint(1, 9)
        )
        text = rng.pick(vocab.FINDING_TEXT[category]).format(
            time=f"{observed:%H时%M分}",
            unit=unit.name,
            place=place,
            person=person_label,
            matter=rng.pick(unit.matters),
            n=rng.randint(2, 5),
        )
        proposed = None
        if status in (FindingStatus.VERIFIED, FindingStatus.HANDLED) or rng.chance(0.2):
            proposed = rng.weighted([p[0] for p in PROPOSALS], _cum(PROPOSALS))
        if status is FindingStatus.DISMISSED:
            proposed = None
        rectify = status in (FindingStatus.VERIFIED, FindingStatus.HANDLED) and rng.chance(0.35)
        recorder = rng.pick(self.inspectors)
        field_package = campaign.kind in (CampaignKind.UNDERCOVER, CampaignKind.SURPRISE)
        origin = FindingOrigin.FIELD if field_package and rng.chance(0.6) else FindingOrigin.OFFICE
        recorded = office_time(rng, self.wd.add(observed.date(), rng.pick((0, 1, 1, 2))))
        if recorded <= observed:
            recorded = observed + timedelta(hours=2)
        updated = recorded
        if status is not FindingStatus.PENDING:
            updated = office_time(rng, self.wd.add(recorded.date(), rng.randint(1, 6)))
            if updated < recorded:
                updated = recorded + timedelta(hours=1)
        note = vocab.VERIFY_NOTES.get(status.value, "")
        self.ins.add(
            table(Finding),
            {
                **record_columns(rng, fid, recorded, updated),
                "campaign_id": campaign.id,
                "unit_id": unit.id,
                "place": place,
                "observed_at": observed,
                "category_id": self.d.categories[category][0],
                "description": text,
                "status": status,
                "proposed_measure": proposed,
                "rectification_required": rectify,
                "recorded_by_id": recorder,
                "origin": origin,
                "package_uuid": rng.uuid() if origin is FindingOrigin.FIELD else None,
                "verification_note": note,
            },
        )
        for person in persons:
            self._finding_person(fid, person.id, "", recorded)
        for desc in descriptions:
            self._finding_person(fid, None, desc, recorded)
        info = FindingInfo(
            id=fid,
            campaign_id=campaign.id,
            unit_id=unit.id,
            person_ids=[p.id for p in persons],
            observed_at=observed,
            status=status,
            category_code=category,
            proposed_measure=proposed,
            rectification_required=rectify,
        )
        campaign.findings.append(info)
        # Most findings are photographed; a meeting less often than a hall.
        if (category != "meeting_style" or rng.chance(0.5)) and rng.chance(0.75):
            self._photos(info, campaign, unit, place, recorded, recorder)

    def _finding_persons(self, unit: UnitInfo, category: str) -> tuple[list[PersonInfo], list[str]]:
        rng = self.rng
        if category == "meeting_style":
            return [], [f"参会人员{rng.randint(2, 5)}名（未佩戴胸牌）"]
        r = rng.random()
        if r < 0.6:
            return [rng.pick(unit.frontline)], []
        if r < 0.9:
            return [], [rng.pick(vocab.DESCRIPTIONS).format(n=rng.randint(1, 9))]
        return [], []

    def _finding_person(self, fid: int, person_id: int | None, desc: str, at: datetime) -> None:
        self.ins.add(
            table(FindingPerson),
            {
                **record_columns(self.rng, self.next_id("finding_persons"), at),
                "finding_id": fid,
                "person_id": person_id,
                "description": desc,
            },
        )

    def _photos(
        self,
        info: FindingInfo,
        campaign: CampaignInfo,
        unit: UnitInfo,
        place: str,
        imported: datetime,
        importer: int,
    ) -> None:
        rng = self.rng
        base_lat, base_lon = self.positions[unit.id]
        camera = rng.pick(vocab.CAMERAS)
        rows: list[dict[str, object]] = []
        flag_lists: list[list[str]] = []
        points: dict[int, tuple[float, float]] = {}
        for order in range(1, rng.randint(1, 3) + 1):
            captured: datetime | None = info.observed_at + timedelta(
                minutes=rng.randint(-5, 15), seconds=rng.randint(0, 59)
            )
            r = rng.random()
            if r < 0.05:
                captured = None  # sent through a messenger that strips EXIF
            elif r < 0.09 and captured is not None:
                # An old photo reused: taken before the campaign started.
                captured -= timedelta(days=rng.randint(3, 20))
            lat = base_lat + rng.uniform(-0.0003, 0.0003)
            lon = base_lon + rng.uniform(-0.0003, 0.0003)
            if rng.chance(0.04):
                lat += 0.07  # taken about 8 km away
            gps = (lat, lon) if rng.chance(0.9) else None
            caption = f"{unit.short} {place}"
            data = make_photo(rng, caption, captured, gps, camera)
            blob = self.store.put_bytes(data)
            name = (
                f"IMG_{captured:%Y%m%d_%H%M%S}.jpg"
                if captured is not None
                else f"mmexport{rng.randint(10**12, 10**13 - 1)}.jpg"
            )
            examined = examine(blob.path, name=name, preview_sizes=DERIVATIVE_SIZES)
            self.store.save_derivatives(blob.sha256, examined.previews)
            facts = examined.info
            file_id = self.next_id("stored_files")
            self.ins.add(
                table(StoredFile),
                {
                    **record_columns(rng, file_id, imported),
                    "sha256": blob.sha256,
                    "size": blob.size,
                    "mime": facts.mime,
                    "media_kind": facts.media_kind,
                    "width": facts.width,
                    "height": facts.height,
                    "captured_at": facts.captured_at,
                    "gps_lat": facts.gps_lat,
                    "gps_lon": facts.gps_lon,
                    "camera": facts.camera,
                    "first_imported_at": imported,
                },
            )
            flags: list[str] = []
            if facts.captured_at is None:
                flags.append(EvidenceFlag.NO_CAPTURE_TIME.value)
            else:
                lo, hi = window_for_dates(campaign.start, campaign.end)
                if not lo <= facts.captured_at <= hi:
                    flags.append(EvidenceFlag.OUTSIDE_CAMPAIGN.value)
            attachment_id = self.next_id("attachments")
            info.attachment_ids.append(attachment_id)
            flag_lists.append(flags)
            rows.append(
                {
                    **record_columns(rng, attachment_id, imported),
                    "file_id": file_id,
                    "finding_id": info.id,
                    "complaint_id": None,
                    "rectification_id": None,
                    "document_id": None,
                    "role": AttachmentRole.EVIDENCE,
                    "original_name": name,
                    "caption": f"{unit.short}{place}现场照片",
                    "imported_at": imported,
                    "imported_by_id": importer,
                    "sort_order": order,
                }
            )
            if facts.gps_lat is not None and facts.gps_lon is not None:
                points[attachment_id] = (facts.gps_lat, facts.gps_lon)
            self.photos += 1
        # The same rule as the evidence service: far from the median of the finding's others.
        outliers = gps_outliers(points, GPS_OUTLIER_M)
        for row, flags in zip(rows, flag_lists, strict=True):
            if row["id"] in outliers:
                flags.append(EvidenceFlag.GPS_OUTLIER.value)
            self.ins.add(table(Attachment), {**row, "flags": flags})

    def flush(self) -> None:
        self.ins.flush(
            [
                table(Campaign),
                table(CampaignMember),
                table(CampaignTarget),
                table(Finding),
                table(FindingPerson),
                table(StoredFile),
                table(Attachment),
            ]
        )


def _cum(weights: tuple[tuple[MeasureType, int], ...]) -> list[float]:
    total, out = 0.0, []
    for _m, w in weights:
        total += w
        out.append(total)
    return out


def build_inspections(
    conn: Connection,
    files_dir: Path,
    directory: Directory,
    workdays: WorkDays,
    rng: Rand,
    today: date,
) -> InspectionResult:
    """Campaigns, targets, team members, findings and evidence photos."""
    builder = _Builder(conn, files_dir, directory, workdays, rng, today)
    campaigns = builder.campaigns()
    builder.flush()
    findings = [f for c in campaigns for f in c.findings]
    return InspectionResult(
        campaigns=campaigns, findings=findings, photos=builder.photos, counts=builder.ins.counts
    )
