"""A case imported from a ledger keeps the complainant's identity out of the text every role
searches, as a registered case does (one builder of the search columns, privacy.search_columns):
a clerk typed the caller's name into 反映问题, an inspector searching that name finds nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from ledger_builders import ROWS, build_xlsx
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Complaint
from effdesk.services import complaints as svc
from effdesk.services import ledger_import as li

TODAY = date(2025, 6, 30)
pytestmark = pytest.mark.usefixtures("categories")


def test_imported_case_is_not_found_by_its_complainant_for_roles_without_identity(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    row = list(ROWS[0])
    row[7] = "王建国来电反映窗口人员态度生硬"  # the caller's name in the summary
    path = build_xlsx(tmp_path / "台账.xlsx", [row], merged=False)
    clerk, inspector = actors["clerk"], actors["inspector"]
    plan = li.analyse(session, clerk, path, li.LedgerKind.COMPLAINTS, today=TODAY)
    li.commit(session, clerk, plan, confirmed=True, today=TODAY)
    case = session.scalars(select(Complaint)).one()
    assert case.complainant_name == "王建国" and "王建国" in case.summary
    assert "王建国" not in case.search_text and "态度生硬" in case.search_text
    assert "王建国" in case.search_identity

    def found(actor: Actor, text: str) -> list[str]:
        page = svc.search_complaints(session, actor, svc.ComplaintFilter(text=text), today=TODAY)
        return [r.number for r in page.rows]

    assert found(inspector, "王建国") == []
    assert found(clerk, "王建国") == [case.number]
    assert found(inspector, "态度生硬") == [case.number]
