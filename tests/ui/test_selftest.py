"""``effdesk selftest`` (the build's smoke test of the frozen app) run here from the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from effdesk.cli import main
from effdesk.commands.selftest import PASSWORD_ENV
from effdesk.db.engine import open_database
from effdesk.services import users


def _admin_password(url: str) -> str:
    db = open_database(url, create=True)
    try:
        with db.session() as s:
            password = users.bootstrap_admin(s)
    finally:
        db.dispose()
    assert password is not None
    return password


def _pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path))
    c.setFont("Helvetica-Bold", 48)
    c.drawString(72, 700, "EffDesk selftest")
    c.rect(72, 400, 300, 200, fill=1)
    c.save()
    return path


def test_selftest_opens_every_page_and_the_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    monkeypatch.setenv(PASSWORD_ENV, _admin_password(url))
    monkeypatch.setenv("EFFDESK_DATA_DIR", str(tmp_path / "data"))
    pdf = _pdf(tmp_path / "sample.pdf")
    code = main(
        ["--db", url, "selftest", "--user", "admin", "--pdf", str(pdf), "--quit-after-ms", "50"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "失败" not in out
    assert "通过  PDF 预览（QtPdf）：sample.pdf：1 页" in out
    assert "通过  主窗口打开并关闭：模块页 dashboard, complaints" in out
    assert "全部通过。" in out


def test_selftest_fails_on_a_wrong_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    _admin_password(url)
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    monkeypatch.setenv("EFFDESK_DATA_DIR", str(tmp_path / "data"))
    code = main(["--db", url, "selftest", "--user", "admin", "--pdf", str(tmp_path / "none.pdf")])
    out = capsys.readouterr().out
    assert code == 1
    assert "失败  PDF 预览（QtPdf）：none.pdf" in out
    assert "失败  主窗口打开并关闭" in out
    assert "未通过" in out
