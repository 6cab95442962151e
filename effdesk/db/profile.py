"""This PC's connection profile: which database server EffDesk opens, and the shared folder.

An office on one PC needs nothing here: without a profile EffDesk opens its SQLite file (the
default and easy path). An office on several PCs shares one PostgreSQL database and one
evidence folder; each PC keeps where they are in ``connection.json`` in the user config folder
(platformdirs; ``EFFDESK_CONFIG_DIR`` overrides it, and with ``EFFDESK_DATA_DIR`` set — tests,
portable installs — the data folder is used). The file is per PC, not in the database: the
shared folder's path differs between PCs (``\\\\server\\effdesk`` on Windows, ``/mnt/effdesk`` on
UOS). It never holds the password: that lives in the OS keyring (``effdesk.security.keys``) or,
on a PC without one, is asked at start and kept in memory only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url

from effdesk.errors import EffDeskError, ValidationError

PROFILE_NAME = "connection.json"
DRIVER = "postgresql+psycopg"
DEFAULT_PORT = 5432


def config_dir() -> Path:
    override = os.environ.get("EFFDESK_CONFIG_DIR") or os.environ.get("EFFDESK_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_config_dir("EffDesk", False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def profile_path() -> Path:
    return config_dir() / PROFILE_NAME


@dataclass(frozen=True)
class ConnectionProfile:
    """A PostgreSQL server database and the office's shared evidence folder (no password)."""

    host: str
    port: int
    database: str
    user: str
    evidence_dir: str

    def url(self, password: str | None = None) -> str:
        """The SQLAlchemy URL (with ``password`` when given; never stored)."""
        return URL.create(
            DRIVER,
            username=self.user,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def matches(self, url: str) -> bool:
        """Is ``url`` this profile's server database (any password, any driver)?"""
        try:
            u = make_url(url)
        except Exception:
            return False
        return (
            u.get_backend_name() == "postgresql"
            and (u.host or "localhost") == self.host
            and int(u.port or DEFAULT_PORT) == self.port
            and (u.database or "") == self.database
        )

    def problems(self) -> list[tuple[str, str]]:
        """(field, Chinese message) for each field that is missing or malformed."""
        out: list[tuple[str, str]] = []
        if not self.host.strip():
            out.append(("host", "请填写服务器地址（计算机名或 IP 地址）。"))
        if not 0 < self.port < 65536:
            out.append(("port", f"端口 {self.port} 不正确（1–65535，PostgreSQL 默认 5432）。"))
        if not self.database.strip():
            out.append(("database", "请填写数据库名。"))
        if not self.user.strip():
            out.append(("user", "请填写用户名。"))
        if not self.evidence_dir.strip():
            out.append(("evidence_dir", "请选择共享证据文件夹（各电脑都能访问的网络共享文件夹）。"))
        return out

    def validate(self) -> None:
        found = self.problems()
        if found:
            field, message = found[0]
            raise ValidationError(field, message)


def load() -> ConnectionProfile | None:
    """This PC's profile, or None (SQLite file: the default)."""
    path = profile_path()
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ConnectionProfile(
            host=str(raw["host"]),
            port=int(raw.get("port") or DEFAULT_PORT),
            database=str(raw["database"]),
            user=str(raw["user"]),
            evidence_dir=str(raw.get("evidence_dir") or ""),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EffDeskError(
            f"本机的数据库连接设置文件 {path} 无法读取（{exc}）。"
            "请在「系统设置 → 数据库连接」中重新填写，或删除该文件改用本机数据库。"
        ) from exc


def save(profile: ConnectionProfile) -> Path:
    """Write the profile (atomically; readable by this user only). No password is written."""
    profile.validate()
    path = profile_path()
    data = {"backend": "postgresql", **asdict(profile)}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)
    return path


def clear() -> None:
    """Back to the local SQLite file."""
    profile_path().unlink(missing_ok=True)


def shared_evidence_dir(url: str) -> Path | None:
    """The configured shared evidence folder for server database ``url`` (None: not set)."""
    try:
        profile = load()
    except EffDeskError:
        return None
    if profile is None or not profile.evidence_dir or not profile.matches(url):
        return None
    return Path(profile.evidence_dir)
