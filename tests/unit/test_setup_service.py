"""The setup service: saving an office's first day, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import SYSTEM
from effdesk.errors import ValidationErrors
from effdesk.services import directory, users
from effdesk.services import setup as setup_service


def data(**changes: object) -> setup_service.SetupData:
    base = setup_service.SetupData(
        office=setup_service.OfficeInfo("青山县效能办", "青山县", "青山县效能办文件"),
        complaint_prefix="青投",
        document_prefixes={k: "青效办" for k in settings.DEFAULTS["document.prefixes"]},
        deadlines={k: lo for k, _l, lo, _hi in setup_service.DEADLINE_FIELDS},
        admin=setup_service.AdminInput("admin", "王明", "Qingshan#2026", "Qingshan#2026"),
        units=[
            setup_service.UnitEntry(
                "青山县公安局", persons=[setup_service.PersonEntry("李明", "科长")]
            )
        ],
    )
    for k, v in changes.items():
        setattr(base, k, v)
    return base


def test_apply_saves_everything(session: Session) -> None:
    assert setup_service.needs_setup(session)
    result = setup_service.apply_setup(session, SYSTEM, data())
    assert (result.admin_username, result.units, result.persons) == ("admin", 1, 1)
    assert not setup_service.needs_setup(session)
    assert settings.get(session, "office.name") == "青山县效能办"
    assert setup_service.printing_office(session) == "青山县效能办"  # defaults to the name
    admin = users.authenticate(session, "admin", "Qingshan#2026")
    assert directory.list_units(session, admin).total == 1


def test_a_wrong_field_writes_nothing(session: Session) -> None:
    bad = data(
        units=[setup_service.UnitEntry("青山县公安局"), setup_service.UnitEntry("青山县公安局")],
        admin=setup_service.AdminInput("admin", "", "admin", "other"),
    )
    with pytest.raises(ValidationErrors) as caught:
        setup_service.apply_setup(session, SYSTEM, bad)
    text = str(caught.value)
    assert "单位表第2行" in text and "请填写管理员姓名" in text and "两次输入的密码不一致" in text
    assert setup_service.needs_setup(session) and not users.has_users(session)


def test_seal_file_must_be_an_image(tmp_path: Path) -> None:
    from effdesk.errors import EffDeskError

    text = tmp_path / "seal.png"
    text.write_text("not a picture", encoding="utf-8")
    with pytest.raises(EffDeskError, match="不是 PNG 或 JPEG"):
        setup_service.read_seal_file(text)
    png = tmp_path / "ok.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 10)
    assert setup_service.read_seal_file(png).startswith(b"\x89PNG")


def test_first_start_creates_the_database_explicitly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}"
    assert setup_service.new_office_database_path(url) == tmp_path / "office" / "effdesk.sqlite"
    db = setup_service.create_office_database(url)
    try:
        assert setup_service.new_office_database_path(url) is None
        with db.session() as s:
            assert setup_service.needs_setup(s)
    finally:
        db.dispose()


def test_printing_office_goes_into_drafted_circulars(session: Session) -> None:
    setup_service.apply_setup(
        session,
        SYSTEM,
        data(
            office=setup_service.OfficeInfo(
                "青山县效能办", "青山县", "青山县效能办文件", printing_office="青山县纪委办公室"
            )
        ),
    )
    from effdesk.services import composition

    assert composition._printing_office(session) == "青山县纪委办公室"
