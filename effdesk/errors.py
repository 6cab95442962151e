"""Domain errors. Each carries a Chinese message a user can act on; the UI shows it as is."""

from __future__ import annotations

from dataclasses import dataclass, field


class EffDeskError(Exception):
    """Base of every error a user can cause. ``str(err)`` is the Chinese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(EffDeskError):
    pass


class ValidationError(EffDeskError):
    """Bad input for one field; ``field`` is the attribute name the UI maps to its widget."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ValidationErrors(EffDeskError):
    """Several fields wrong at once (a form is checked as a whole)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("；".join(p.message for p in problems))
        self.problems = problems


class PermissionDenied(EffDeskError):
    pass


class TransitionNotAllowed(EffDeskError):
    pass


class ConcurrentEditError(EffDeskError):
    """Optimistic locking: somebody else saved the same record first."""

    def __init__(self, message: str, other_change: str = "") -> None:
        super().__init__(message)
        self.other_change = other_change


class CalendarUnknown(EffDeskError):
    """The working-day calendar does not know the given year (holidays not yet published)."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年的法定节假日和调休安排尚未录入，无法准确计算工作日。"
            f"请系统管理员在「系统设置 → 节假日」中录入国务院办公厅公布的{year}年节假日安排。"
        )
        self.year = year


class DatabaseTooNew(EffDeskError):
    pass


class DatabaseCorrupt(EffDeskError):
    pass


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        col = f"「{self.column}」列" if self.column else ""
        return f"第{self.row}行{col}：{self.message}"


@dataclass
class ImportRejected(EffDeskError):
    """An import refused as a whole; every bad row is listed."""

    problems: list[RowProblem] = field(default_factory=list)
    source: str = ""

    def __post_init__(self) -> None:
        head = f"{self.source}：" if self.source else ""
        lines = "\n".join(str(p) for p in self.problems[:200])
        more = f"\n……另有{len(self.problems) - 200}处问题" if len(self.problems) > 200 else ""
        EffDeskError.__init__(
            self, f"{head}导入被拒绝，共{len(self.problems)}处问题：\n{lines}{more}"
        )


class PackageRejected(EffDeskError):
    """A field package (or backup archive) refused before anything was written."""


class DatabaseMissing(EffDeskError):
    """No database at the path looked for (missing or an empty file); never created silently."""


class DatabaseReadOnly(EffDeskError):
    """The database file or its folder cannot be written (not damaged: do not restore)."""


class EvidenceFolderUnavailable(EffDeskError):
    """The shared evidence folder cannot be reached or written (share offline, no rights)."""

    def __init__(self, folder: object, detail: str = "") -> None:
        more = f"（{detail}）" if detail else ""
        super().__init__(
            f"无法访问共享证据文件夹 {folder}{more}。请检查：存放证据的电脑是否开机、"
            "网络共享是否已连接（网络驱动器是否已映射/挂载）、本机用户是否有读写权限。"
            "在恢复访问之前，照片、附件和印发的公文无法保存；已保存的数据不受影响。"
        )
        self.folder = folder


class WrongEvidenceFolder(EffDeskError):
    """The configured evidence folder belongs to another office database."""
