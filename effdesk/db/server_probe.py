"""测试连接: check a connection profile without opening (or changing) anything.

Each way it can fail is an :class:`~effdesk.errors.EffDeskError` with a Chinese message
(:mod:`effdesk.db.connection_errors`); on success the findings come back as lines to show.
Nothing is written to the server; the shared folder's marker is only read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from effdesk.db.connection_errors import extension_missing, opening_error
from effdesk.db.engine import SERVER_CONNECT_ARGS, head_revision, is_known_revision
from effdesk.db.evidence_folder import (
    MARKER_NAME,
    OFFICE_ID_KEY,
    reachable,
    read_marker,
    unavailable,
)
from effdesk.db.profile import ConnectionProfile
from effdesk.errors import DatabaseTooNew, WrongEvidenceFolder


@dataclass
class ProbeReport:
    """What 测试连接 found (every check passed)."""

    server_version: str = ""
    revision: str | None = None
    upgrade_needed: bool = False
    empty: bool = False
    lines: list[str] = field(default_factory=list)


def login(url: str) -> None:
    """Connect once and run ``SELECT 1`` (start-up password check); Chinese errors."""
    engine = create_engine(url, connect_args=SERVER_CONNECT_ARGS, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise opening_error(exc, url) from exc
    finally:
        engine.dispose()


def schema_revision(url: str) -> str | None:
    """The server database's schema revision (None: no EffDesk tables yet); Chinese errors."""
    engine = create_engine(url, connect_args=SERVER_CONNECT_ARGS, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return str(value) if value is not None else None
    except Exception as exc:
        raise opening_error(exc, url) from exc
    finally:
        engine.dispose()


def upgrade_question(url: str) -> str | None:
    """When the server's schema is older than this EffDesk: what to ask before upgrading it
    (every PC of the office must then run this version). None: nothing to ask."""
    current = schema_revision(url)
    head = head_revision()
    if current is None or current == head or not is_known_revision(current):
        return None  # new database, up to date, or too new (refused at open with its message)
    return (
        f"服务器上的单位数据库是旧版本的 EffDesk 建立的（架构版本 {current}），"
        f"本机的 EffDesk 需要把它升级到 {head}。\n\n升级后，其他电脑上尚未升级的 EffDesk "
        "将无法再连接，请确认全单位的电脑都将安装本版本，并且服务器已有备份。\n\n现在升级吗？"
    )


def probe(profile: ConnectionProfile, password: str | None) -> ProbeReport:
    """Check the server, the database's schema, pg_trgm and the shared evidence folder."""
    profile.validate()
    url = profile.url(password)
    report = ProbeReport()
    engine = create_engine(url, connect_args=SERVER_CONNECT_ARGS, poolclass=NullPool)
    office: str | None = None
    try:
        with engine.connect() as conn:
            report.server_version = str(conn.execute(text("SHOW server_version")).scalar())
            has_schema = inspect(conn).has_table("alembic_version")
            if has_schema:
                report.revision = conn.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar()
            trgm = conn.execute(
                text(
                    "SELECT installed_version IS NOT NULL FROM pg_available_extensions "
                    "WHERE name = 'pg_trgm'"
                )
            ).first()
            if has_schema and inspect(conn).has_table("settings"):
                value = conn.execute(
                    text("SELECT value FROM settings WHERE key = :k"), {"k": OFFICE_ID_KEY}
                ).scalar()
                office = value if isinstance(value, str) and value else None
    except Exception as exc:
        raise opening_error(exc, url) from exc
    finally:
        engine.dispose()
    report.lines.append(
        f"已连接数据库服务器 {profile.host}:{profile.port}（PostgreSQL {report.server_version}），"
        f"数据库「{profile.database}」，用户「{profile.user}」。"
    )
    if trgm is None:
        raise extension_missing(url, "服务器上未安装该扩展")
    head = head_revision()
    if report.revision is None:
        report.empty = True
        report.lines.append(
            "该数据库还没有 EffDesk 数据表：保存后下次启动时将建立数据表并进入单位初始设置"
            "（若要把本机已有数据搬到服务器，请先用 effdesk db copy）。"
        )
    elif report.revision == head:
        report.lines.append(f"数据库架构版本 {head}，与本程序一致。")
    elif not is_known_revision(report.revision):
        raise DatabaseTooNew(
            f"服务器上的数据库由更新版本的 EffDesk 创建（架构版本 {report.revision}），"
            "本程序无法使用。请先把本机的 EffDesk 升级到与其他电脑相同的版本。"
        )
    else:
        report.upgrade_needed = True
        report.lines.append(
            f"数据库架构版本 {report.revision} 较旧：下次启动时将自动升级到 {head}"
            "（升级前请确认已备份，且其他电脑上的 EffDesk 也将升级）。"
        )
    report.lines.append(_check_folder(Path(profile.evidence_dir), office, profile.label))
    return report


def _check_folder(folder: Path, office: str | None, database: str) -> str:
    reachable(folder)
    if not os.access(folder, os.W_OK):
        raise unavailable(folder, "没有写入权限")
    marker = read_marker(folder)
    if marker is None:
        if (folder / "objects").exists():
            raise WrongEvidenceFolder(
                f"文件夹 {folder} 中已有证据文件，但没有标明所属数据库的标记文件 {MARKER_NAME}。"
                "请选择本单位的证据文件夹，或选择一个空文件夹。"
            )
        return f"共享证据文件夹 {folder} 可以访问（空文件夹：首次连接时写入本单位标记）。"
    found = marker.get("office_id", "")
    if office is None or found != office:
        raise WrongEvidenceFolder(
            f"共享证据文件夹 {folder} 属于另一个数据库（{marker.get('database', '未知')}，"
            f"标识 {found[:8]}…），不是数据库 {database} 的证据文件夹。"
            "请选择本单位的证据文件夹。"
        )
    return f"共享证据文件夹 {folder} 可以访问，属于本数据库。"
