"""Secrets in the operating system's keyring: the backup key and the PostgreSQL password.

Entries live under the service name ``EffDesk``:

* ``backup-key:<database id>`` — the 256-bit backup key, base64. The database id is a random
  UUID kept in the database's settings (``security.database_id``), so it travels with the data
  and a restored database finds its key again.
* ``postgres:<user>@<host>:<port>/<database>`` — the PostgreSQL password, never written to a
  settings file or the URL on disk.

Which keyring is used is keyring's own choice (Windows Credential Manager, Secret Service on
Linux desktops with gnome-keyring or KWallet, macOS Keychain); tests choose one with
``keyring.set_keyring(...)`` or the ``PYTHON_KEYRING_BACKEND`` variable. When no usable backend
exists (a Linux PC without a keyring service), :class:`KeyringUnavailable` explains in Chinese
how to proceed.

The recovery key is the backup key written for humans: 32 key bytes plus a 3-byte checksum,
base32, in 14 groups of four (``ABCD-EFGH-…``). Typing mistakes are caught by the checksum.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from sqlalchemy.engine import URL, make_url

from effdesk.errors import EffDeskError

SERVICE = "EffDesk"
KEY_BYTES = 32
_CHECK_BYTES = 3


class KeyringUnavailable(EffDeskError):
    pass


class BadRecoveryKey(EffDeskError):
    pass


NO_KEYRING_MESSAGE = (
    "本机没有可用的系统密钥环（用于安全保存备份密钥和数据库密码）。\n"
    "处理办法：\n"
    "1. 统信UOS、麒麟等 Linux 桌面：安装并启用 gnome-keyring（或 KWallet），例如执行 "
    "sudo apt install gnome-keyring，然后注销并重新登录桌面；\n"
    "2. 或者不使用密钥环：备份和恢复时用 --key-file 指定一个密钥文件"
    "（请把密钥文件保存在 U 盘等安全处，不要与备份文件放在一起）。"
)


def _backend_usable() -> bool:
    kr = keyring.get_keyring()
    # keyring's placeholders when nothing works: fail.Keyring, or a chainer with no backends.
    mod = type(kr).__module__
    if mod.startswith("keyring.backends.fail"):
        return False
    if mod.startswith("keyring.backends.chainer"):
        return bool(getattr(kr, "backends", []))
    return float(getattr(kr, "priority", 1)) > 0


def keyring_available() -> bool:
    try:
        return _backend_usable()
    except Exception:  # a broken backend configuration is the same as none for us
        return False


def require_keyring() -> None:
    if not keyring_available():
        raise KeyringUnavailable(NO_KEYRING_MESSAGE)


def _get(name: str) -> str | None:
    require_keyring()
    try:
        value: str | None = keyring.get_password(SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"读取系统密钥环失败：{exc}\n\n{NO_KEYRING_MESSAGE}") from exc
    return value


def _set(name: str, value: str) -> None:
    require_keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"写入系统密钥环失败：{exc}\n\n{NO_KEYRING_MESSAGE}") from exc


def _delete(name: str) -> None:
    require_keyring()
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(SERVICE, name)


# --------------------------------------------------------------------------- backup key


def backup_key_name(database_id: str) -> str:
    return f"backup-key:{database_id}"


def generate_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_id(key: bytes) -> bytes:
    """16 bytes that identify a key without revealing it (stored in every archive header)."""
    return hmac.new(key, b"EffDesk backup key id v1", hashlib.sha256).digest()[:16]


def get_backup_key(database_id: str) -> bytes | None:
    raw = _get(backup_key_name(database_id))
    if raw is None:
        return None
    try:
        key = base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise EffDeskError("系统密钥环中的备份密钥已损坏，请用恢复密钥重新导入。") from exc
    if len(key) != KEY_BYTES:
        raise EffDeskError("系统密钥环中的备份密钥长度不对，请用恢复密钥重新导入。")
    return key


def store_backup_key(database_id: str, key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError("backup key must be 32 bytes")
    _set(backup_key_name(database_id), base64.b64encode(key).decode("ascii"))


def delete_backup_key(database_id: str) -> None:
    _delete(backup_key_name(database_id))


# --------------------------------------------------------------------------- recovery key


def _checksum(key: bytes) -> bytes:
    return hashlib.sha256(b"EffDesk recovery " + key).digest()[:_CHECK_BYTES]


def recovery_key(key: bytes) -> str:
    """The key as 14 groups of four base32 letters/digits, e.g. ``ABCD-EFGH-…``."""
    if len(key) != KEY_BYTES:
        raise ValueError("backup key must be 32 bytes")
    text = base64.b32encode(key + _checksum(key)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


# Characters people confuse with base32 letters (base32 has no 0, 1, 8, 9).
_CONFUSABLE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def parse_recovery_key(text: str) -> bytes:
    """The key back from a typed or pasted recovery key; :class:`BadRecoveryKey` if wrong."""
    cleaned = "".join(ch for ch in text.upper().translate(_CONFUSABLE) if ch.isalnum())
    expected = len(recovery_key(bytes(KEY_BYTES)).replace("-", ""))
    if len(cleaned) != expected:
        raise BadRecoveryKey(
            f"恢复密钥应为{expected}个字母和数字（14组，每组4个），您输入了{len(cleaned)}个。"
        )
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        raw = base64.b32decode(padded)
    except (ValueError, binascii.Error) as exc:
        raise BadRecoveryKey("恢复密钥含有无效字符，请核对后重新输入。") from exc
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if not hmac.compare_digest(_checksum(key), check):
        raise BadRecoveryKey("恢复密钥校验不通过，可能有字符输错，请逐组核对。")
    return key


def recovery_sheet(key: bytes, database_id: str, office_name: str, at: datetime) -> str:
    """A plain-text page for the admin to print and keep in a safe place."""
    return "\n".join(
        [
            "EffDesk 备份恢复密钥",
            "=" * 30,
            f"单位：{office_name}",
            f"数据库标识：{database_id}",
            f"生成时间：{at:%Y年%m月%d日 %H:%M}",
            "",
            "恢复密钥：",
            "",
            recovery_key(key),
            "",
            "用途：在本机系统密钥环丢失（重装系统、更换电脑）时，用此密钥恢复备份。",
            "请打印后妥善保管（如放入保密柜），不要与备份文件（U盘、移动硬盘）放在一起；",
            "任何拿到此密钥和备份文件的人都能读取全部数据，包括投诉人身份信息。",
            "",
        ]
    )


def write_key_file(path: Path, key: bytes) -> None:
    """A key file for ``--key-file``: the recovery key with comment lines."""
    # Readable by this user only (0600), like the database and the backups.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(
            f"# EffDesk 备份密钥文件。请保存在安全处，不要与备份文件放在一起。\n{recovery_key(key)}\n"
        )


def read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EffDeskError(f"无法读取密钥文件 {path}：{exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise BadRecoveryKey(f"密钥文件 {path} 不是 EffDesk 密钥文件。") from exc
    body = "".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return parse_recovery_key(body)


# --------------------------------------------------------------------------- PostgreSQL


def db_password_name(url: str | URL) -> str:
    u = make_url(url) if isinstance(url, str) else url
    return (
        f"postgres:{u.username or ''}@{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"
    )


def store_db_password(url: str | URL, password: str) -> None:
    """Keep the PostgreSQL password in the keyring (the URL on disk carries none)."""
    _set(db_password_name(url), password)


def get_db_password(url: str | URL) -> str | None:
    return _get(db_password_name(url))


def delete_db_password(url: str | URL) -> None:
    _delete(db_password_name(url))


def url_without_password(url: str | URL) -> str:
    """The URL to store in settings files: the password removed."""
    u = make_url(url) if isinstance(url, str) else url
    # URL.set() ignores None, so build the URL again without the password.
    bare = URL.create(
        drivername=u.drivername,
        username=u.username,
        host=u.host,
        port=u.port,
        database=u.database,
        query=u.query,
    )
    return bare.render_as_string(hide_password=False)


def url_with_keyring_password(url: str) -> str:
    """Fill in a PostgreSQL URL's password from the keyring; other URLs come back unchanged."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql" or u.password:
        return url
    password = get_db_password(u)
    if password is None:
        return url
    return u.set(password=password).render_as_string(hide_password=False)


def describe_backend() -> dict[str, Any]:
    """For the settings page: which keyring is in use."""
    try:
        kr = keyring.get_keyring()
        name = f"{type(kr).__module__}.{type(kr).__name__}"
    except Exception as exc:
        name = f"（无法确定：{exc}）"
    return {"backend": name, "available": keyring_available()}
