"""Reading a zip that may be hostile: every check happens before any byte is trusted.

A field package travels on a USB stick between an inspector's laptop and the office PC. It
might be damaged, tampered with, or crafted: entry names that climb out of a folder
(``../``, absolute paths, drive letters, backslashes), symbolic links, entries far larger
than they claim (zip bombs), duplicate names. :class:`SafeZip` refuses all of these with a
Chinese message (:class:`PackageRejected`) and never extracts by name: callers ask for the
content of an entry and get it streamed, size-checked as it is read.
"""

from __future__ import annotations

import json
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from effdesk.errors import PackageRejected

MB = 1024 * 1024
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * MB
MAX_ENTRIES = 200_000

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    """Size limits of a package: the whole file, and each entry in it."""

    max_package_bytes: int
    max_entry_bytes: int

    @staticmethod
    def from_mb(package_mb: float, entry_mb: float) -> Limits:
        return Limits(int(package_mb * MB), int(entry_mb * MB))


def mb_text(n: int) -> str:
    return f"{n / MB:.1f} MB" if n < 1024 * MB else f"{n / 1024 / MB:.2f} GB"


def entry_name_problem(name: str) -> str | None:
    """Why an entry name is unsafe, or None. Names are POSIX relative paths, nothing else."""
    if not name:
        return "条目名称为空"
    if "\\" in name:
        return "条目名称含反斜杠（Windows 路径），可能借此跳出解压目录"
    if name.startswith("/"):
        return "条目使用了绝对路径"
    if _DRIVE.match(name):
        return "条目名称含盘符（如 C:），可能写到其他磁盘"
    if _CONTROL.search(name):
        return "条目名称含控制字符"
    parts = name.rstrip("/").split("/")
    if any(p in ("..", ".") for p in parts):
        return "条目路径含“..”或“.”，可能借此跳出解压目录"
    if any(p == "" for p in parts):
        return "条目路径含空的目录名"
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


class SafeZip:
    """A zip opened for validated reading. Use as a context manager.

    ``what`` names the package in messages ("现场数据包", "督查任务包").
    """

    def __init__(self, path: Path, limits: Limits, what: str) -> None:
        self.path = Path(path)
        self.limits = limits
        self.what = what
        self._zf: zipfile.ZipFile | None = None
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self._open()

    def reject(self, message: str) -> PackageRejected:
        return PackageRejected(f"{self.what}「{self.path.name}」被拒绝，未导入任何内容：{message}")

    def _open(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise PackageRejected(f"找不到{self.what}「{self.path}」。") from None
        except OSError as exc:
            raise PackageRejected(
                f"无法读取{self.what}「{self.path}」：{exc.strerror or exc}"
            ) from None
        if not self.path.is_file():
            raise PackageRejected(f"「{self.path}」不是文件。")
        if size > self.limits.max_package_bytes:
            raise self.reject(
                f"文件大小 {mb_text(size)} 超过上限 {mb_text(self.limits.max_package_bytes)}"
                "（系统设置 field.max_package_mb）。"
            )
        try:
            zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise self.reject(f"不是有效的 zip 文件，文件可能已损坏（{exc}）。") from None
        self._zf = zf
        try:
            self._check_entries(zf.infolist())
        except BaseException:
            self.close()
            raise

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ENTRIES:
            raise self.reject(f"条目数 {len(infos)} 过多。")
        total = 0
        for info in infos:
            name = info.filename
            problem = entry_name_problem(name)
            if problem:
                raise self.reject(f"条目「{name}」不安全：{problem}。")
            if _is_symlink(info):
                raise self.reject(f"条目「{name}」是符号链接，不允许。")
            if info.flag_bits & 0x1:
                raise self.reject(f"条目「{name}」已加密，无法校验。")
            if name in self.entries:
                raise self.reject(f"条目「{name}」重复出现。")
            if info.is_dir():
                self.entries[name] = info
                continue
            if info.file_size > self.limits.max_entry_bytes:
                raise self.reject(
                    f"条目「{name}」声明大小 {mb_text(info.file_size)}，超过单个文件上限 "
                    f"{mb_text(self.limits.max_entry_bytes)}。"
                )
            total += info.file_size
            if total > self.limits.max_package_bytes:
                raise self.reject(
                    f"解压后总大小超过上限 {mb_text(self.limits.max_package_bytes)}"
                    "（可能是“zip 炸弹”）。"
                )
            self.entries[name] = info

    @property
    def zf(self) -> zipfile.ZipFile:
        assert self._zf is not None
        return self._zf

    def file_names(self) -> set[str]:
        """Names of the file entries (directories left out)."""
        return {n for n, i in self.entries.items() if not i.is_dir()}

    def dir_names(self) -> set[str]:
        return {n for n, i in self.entries.items() if i.is_dir()}

    def stream(self, name: str, max_bytes: int | None = None) -> Iterator[bytes]:
        """The entry's bytes in chunks, stopping the moment they exceed what was declared."""
        info = self.entries.get(name)
        if info is None or info.is_dir():
            raise self.reject(f"缺少条目「{name}」。")
        limit = min(info.file_size, self.limits.max_entry_bytes)
        if max_bytes is not None:
            limit = min(limit, max_bytes)
        read = 0
        try:
            with self.zf.open(info) as fh:
                while True:
                    block = fh.read(CHUNK)
                    if not block:
                        break
                    read += len(block)
                    if read > limit:
                        raise self.reject(
                            f"条目「{name}」的实际内容超过声明大小或上限（可能是“zip 炸弹”）。"
                        )
                    yield block
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise self.reject(f"条目「{name}」已损坏（{exc}）。") from None
        except NotImplementedError as exc:
            raise self.reject(f"条目「{name}」使用了不支持的压缩方式（{exc}）。") from None
        if read != info.file_size:
            raise self.reject(f"条目「{name}」长度与声明不符，文件已损坏。")

    def read_bytes(self, name: str, max_bytes: int) -> bytes:
        info = self.entries.get(name)
        if info is not None and info.file_size > max_bytes:
            raise self.reject(f"条目「{name}」过大（{mb_text(info.file_size)}）。")
        return b"".join(self.stream(name, max_bytes))

    def read_json(self, name: str) -> Any:
        raw = self.read_bytes(name, MAX_MANIFEST_BYTES)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise self.reject(f"「{name}」不是有效的 JSON（{exc}）。") from None

    def copy_to(
        self,
        name: str,
        dest: Path,
        on_block: Callable[[bytes], None] | None = None,
    ) -> int:
        """Stream the entry into ``dest`` (a path chosen by the caller, never by the zip)."""
        n = 0
        with open(dest, "wb") as out:
            for block in self.stream(name):
                if on_block is not None:
                    on_block(block)
                out.write(block)
                n += len(block)
        return n

    def close(self) -> None:
        if self._zf is not None:
            self._zf.close()
            self._zf = None

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
