"""The two package formats and a strict reader for their JSON manifests.

Formats (the ``format`` key of ``manifest.json``):

* ``effdesk-field-campaign`` — office → laptop: one campaign, its team, target units, the
  directory subset an inspector needs (units, persons of the target units) and the problem
  categories. ``manifest.sha256`` beside it holds the manifest's SHA-256.
* ``effdesk-field-findings`` — laptop → office: the findings recorded in the field with their
  persons and attachments; each attachment's file is the entry ``files/<sha256>``.

A manifest comes from outside: :class:`Fields` reads it value by value, checking type and
shape, and names the exact place of anything wrong (``findings[3].attachments[0].sha256``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from effdesk.errors import PackageRejected

CAMPAIGN_FORMAT = "effdesk-field-campaign"
FINDINGS_FORMAT = "effdesk-field-findings"
FORMAT_VERSION = 1
FORMAT_LABELS = {CAMPAIGN_FORMAT: "督查任务包", FINDINGS_FORMAT: "现场数据包"}

MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
FILES_DIR = "files/"

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")

E = TypeVar("E", bound=Enum)


def file_entry(sha256: str) -> str:
    return f"{FILES_DIR}{sha256}"


class ManifestError(Exception):
    """One problem in a manifest; the caller wraps it into :class:`PackageRejected`."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"清单中 {where} {message}")


class Fields:
    """Typed access to one JSON object of a manifest, with its place for messages."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise ManifestError(where, "应为对象")
        self.value: dict[str, Any] = value
        self.where = where

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str, optional: bool) -> Any:
        if key not in self.value or self.value[key] is None:
            if optional:
                return None
            raise ManifestError(self._at(key), "缺失")
        return self.value[key]

    def text(self, key: str, *, optional: bool = False, max_len: int = 10_000) -> str:
        v = self._get(key, optional)
        if v is None:
            return ""
        if not isinstance(v, str):
            raise ManifestError(self._at(key), "应为文本")
        if len(v) > max_len:
            raise ManifestError(self._at(key), f"超过{max_len}个字")
        return v

    def opt_text(self, key: str, max_len: int = 10_000) -> str | None:
        if self.value.get(key) is None:
            return None
        return self.text(key, max_len=max_len)

    def uuid(self, key: str) -> str:
        v = self.text(key, max_len=36)
        if not _UUID.match(v):
            raise ManifestError(self._at(key), f"不是有效的 UUID（{v[:40]}）")
        return v

    def opt_uuid(self, key: str) -> str | None:
        return None if self.value.get(key) is None else self.uuid(key)

    def sha256(self, key: str) -> str:
        v = self.text(key, max_len=64)
        if not _SHA.match(v):
            raise ManifestError(self._at(key), "不是有效的 SHA-256（应为64位小写十六进制）")
        return v

    def integer(self, key: str, *, minimum: int = 0, optional: bool = False) -> int | None:
        v = self._get(key, optional)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise ManifestError(self._at(key), "应为整数")
        if v < minimum:
            raise ManifestError(self._at(key), f"不能小于{minimum}")
        return v

    def req_int(self, key: str, *, minimum: int = 0) -> int:
        v = self.integer(key, minimum=minimum)
        assert v is not None
        return v

    def number(self, key: str) -> float | None:
        v = self._get(key, True)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ManifestError(self._at(key), "应为数值")
        return float(v)

    def flag(self, key: str, default: bool = False) -> bool:
        v = self.value.get(key, default)
        if not isinstance(v, bool):
            raise ManifestError(self._at(key), "应为 true 或 false")
        return v

    def when(self, key: str, *, optional: bool = False) -> datetime | None:
        v = self.text(key, optional=optional, max_len=40)
        if not v:
            if optional:
                return None
            raise ManifestError(self._at(key), "缺失")
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError:
            raise ManifestError(self._at(key), f"不是有效的时间（{v}）") from None
        # Office time is local wall-clock time without a zone (see effdesk/db/base.py).
        return parsed.replace(tzinfo=None, microsecond=0)

    def req_when(self, key: str) -> datetime:
        v = self.when(key)
        assert v is not None
        return v

    def day(self, key: str) -> date:
        v = self.text(key, max_len=10)
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise ManifestError(self._at(key), f"不是有效的日期（{v}）") from None

    def enum(self, key: str, cls: type[E], *, optional: bool = False) -> E | None:
        v = self._get(key, optional)
        if v is None:
            return None
        try:
            return cls(v)
        except ValueError:
            raise ManifestError(self._at(key), f"取值「{str(v)[:40]}」无效") from None

    def req_enum(self, key: str, cls: type[E]) -> E:
        v = self.enum(key, cls)
        assert v is not None
        return v

    def obj(self, key: str) -> Fields:
        return Fields(self._get(key, False), self._at(key))

    def items(self, key: str, *, optional: bool = False, max_items: int = 1_000_000) -> list[Any]:
        v = self._get(key, optional)
        if v is None:
            return []
        if not isinstance(v, list):
            raise ManifestError(self._at(key), "应为列表")
        if len(v) > max_items:
            raise ManifestError(self._at(key), f"超过{max_items}项")
        return v

    def objects(self, key: str, *, optional: bool = False) -> list[Fields]:
        return [
            Fields(item, f"{self._at(key)}[{i}]")
            for i, item in enumerate(self.items(key, optional=optional))
        ]

    def texts(self, key: str) -> list[str]:
        out = []
        for i, item in enumerate(self.items(key, optional=True)):
            if not isinstance(item, str):
                raise ManifestError(f"{self._at(key)}[{i}]", "应为文本")
            out.append(item)
        return out


def check_format(manifest: Any, expected: str, reject: Callable[[str], PackageRejected]) -> Fields:
    """The manifest as :class:`Fields` if it is of the ``expected`` format and version."""
    if not isinstance(manifest, dict):
        raise reject("清单 manifest.json 的内容不是对象。")
    fmt = manifest.get("format")
    version = manifest.get("format_version")
    if fmt != expected:
        if fmt in FORMAT_LABELS:
            raise reject(
                f"这是{FORMAT_LABELS[fmt]}，不是{FORMAT_LABELS[expected]}，请选择正确的文件。"
            )
        raise reject(f"不是 EffDesk {FORMAT_LABELS[expected]}（清单格式为「{str(fmt)[:60]}」）。")
    if version != FORMAT_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise reject(
                f"数据包格式版本为 {version}，本程序只支持版本 {FORMAT_VERSION}，请升级 EffDesk。"
            )
        raise reject(f"数据包格式版本「{str(version)[:20]}」无效。")
    return Fields(manifest, "")


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()
