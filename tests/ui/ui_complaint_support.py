"""Helpers for the complaint GUI tests: an office with categories and a directory, contexts per
role, and cases driven through the real services to a wanted state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import Complaint
from effdesk.enums import Channel, HandlingMode
from effdesk.services import complaints
from effdesk.services.categories import ensure_default_categories
from effdesk.services.complaints import ComplaintInput
from effdesk.ui.context import AppContext

STAGES = ["registered", "submitted", "instructed", "routed", "investigating"]


@dataclass
class Office:
    db: Database
    actors: dict[str, Actor]
    units: dict[str, int]
    persons: dict[str, int]
    categories: dict[str, int]
    make_ctx: Callable[[Actor], AppContext]

    def ctx(self, role: str) -> AppContext:
        return self.make_ctx(self.actors[role])

    def register(
        self,
        *,
        at: datetime | None = None,
        summary: str = "窗口工作人员态度生硬，让群众来回跑",
        unit: str = "县公安局",
        category: str = "服务态度差",
        phone: str = "13812345678",
        name: str = "张三丰",
        anonymous: bool = False,
        to: str = "registered",
    ) -> int:
        """A case registered by the clerk through the service, driven on to the stage ``to``
        (one of :data:`STAGES`)."""
        data = ComplaintInput(
            received_at=at or datetime.now().replace(second=0, microsecond=0),
            channel=Channel.PHONE,
            summary=summary,
            category_id=self.categories[category],
            unit_id=self.units[unit],
            content="来电反映：" + summary,
            anonymous=anonymous,
            complainant_name="" if anonymous else name,
            complainant_phone=phone,
        )
        clerk, leader = self.actors["clerk"], self.actors["leader"]
        with self.db.session() as s:
            case = complaints.register_complaint(s, clerk, data, at=at)
            steps: list[Callable[[Complaint], object]] = [
                lambda c: complaints.submit_for_instruction(
                    s, clerk, c.id, expected_version=c.version, at=at
                ),
                lambda c: complaints.instruct(
                    s, leader, c.id, "请调查核实。", expected_version=c.version, at=at
                ),
                lambda c: complaints.route(
                    s,
                    clerk,
                    c.id,
                    mode=HandlingMode.ASSIGNED,
                    handler_unit_id=self.units[unit],
                    expected_version=c.version,
                    at=at,
                ),
                lambda c: complaints.start_investigation(
                    s, clerk, c.id, expected_version=c.version, at=at
                ),
            ]
            for step in steps[: STAGES.index(to)]:
                step(case)
            return case.id


def make_office(
    db: Database,
    actors: dict[str, Actor],
    units: dict[str, int],
    persons: dict[str, int],
    make_ctx: Callable[[Actor], AppContext],
) -> Office:
    with db.session() as s:
        ensure_default_categories(s, SYSTEM)
        categories = {c.name: c.id for c in complaints.category_choices(s, actors["clerk"])}
    return Office(db, actors, units, persons, categories, make_ctx)
