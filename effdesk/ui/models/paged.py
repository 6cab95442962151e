"""A table model that asks a service for one page of rows at a time.

The view asks for more rows only as the user scrolls (``canFetchMore``/``fetchMore``), so a
list of a million complaints costs one page of memory until someone scrolls through it.

Usage::

    columns = [
        Column("单位名称", lambda r: r.name),
        Column("人数", lambda r: r.person_count, align=RIGHT),
        Column("状态", lambda r: "在用" if r.active else "停用",
               foreground=lambda r: None if r.active else GREY),
    ]

    def fetch(offset: int, limit: int) -> Page[UnitRow]:
        with ctx.session() as s:
            return directory.list_units(s, ctx.actor, query, offset=offset, limit=limit)

    model = PagedTableModel(fetch, columns, key=lambda r: r.id)
    model.refresh()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from effdesk.errors import EffDeskError
from effdesk.services.common import Page
from effdesk.ui.tasks import TaskRunner

R = TypeVar("R")

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

# Colours shared by list screens, so "overdue" looks the same everywhere.
GREY = QColor("#8a8a8a")
RED = QColor("#c62828")
ORANGE = QColor("#b85c00")
GREEN = QColor("#2e7d32")
RED_BG = QColor("#fdecea")
ORANGE_BG = QColor("#fff4e0")

Fetch = Callable[[int, int], Page[R]]
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its header and how to get the shown value from a row.

    ``value`` returns what is displayed (``None`` shows nothing; other values go through
    ``str``). ``foreground``/``background`` return a colour or ``None`` for the default.
    ``width`` is the initial width in pixels (``None``: sized to the header and content).
    """

    header: str
    value: Callable[[R], Any]
    align: Qt.AlignmentFlag = LEFT
    foreground: Callable[[R], QColor | None] | None = None
    background: Callable[[R], QColor | None] | None = None
    tooltip: Callable[[R], str] | None = None
    width: int | None = None
    # How text too long for the column is shortened: numbers in the middle ("青效投…0012"),
    # keeping the serial that tells cases apart; everything else at the end.
    elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight


class PagedTableModel(QAbstractTableModel, Generic[R]):
    """Rows fetched lazily, ``page_size`` at a time, from ``fetch(offset, limit) -> Page``.

    With ``tasks`` the fetches run off the GUI thread (results of a superseded refresh are
    dropped); without, they run inline, which is fine for small pages from a local database.
    A domain error from ``fetch`` empties the model and is reported by :attr:`loadFailed`;
    any other exception propagates (it is a bug).
    """

    totalChanged = Signal(int)
    loadFailed = Signal(object)  # the EffDeskError
    refreshed = Signal()

    def __init__(
        self,
        fetch: Fetch[R],
        columns: Sequence[Column[R]],
        *,
        page_size: int = 200,
        key: Callable[[R], Any] | None = None,
        tasks: TaskRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self.columns: list[Column[R]] = list(columns)
        self.page_size = page_size
        self._key = key
        self._tasks = tasks
        self._rows: list[R] = []
        self._total = 0
        self._generation = 0
        self._loading = False
        self.last_error: EffDeskError | None = None

    # --- public API -------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Rows matching on the server (not only those loaded)."""
        return self._total

    @property
    def loaded(self) -> int:
        return len(self._rows)

    @property
    def loading(self) -> bool:
        return self._loading

    def set_fetch(self, fetch: Fetch[R]) -> None:
        """Replace the fetch function (call :meth:`refresh` afterwards)."""
        self._fetch = fetch

    def refresh(self) -> None:
        """Drop loaded rows and fetch the first page again."""
        self._generation += 1
        generation = self._generation
        self._run(0, generation, replace=True)

    def row_at(self, index: AnyIndex | int) -> R:
        """The row object behind a model index or row number."""
        row = index if isinstance(index, int) else index.row()
        return self._rows[row]

    def rows(self) -> list[R]:
        """The rows loaded so far (a copy)."""
        return list(self._rows)

    @property
    def has_key(self) -> bool:
        return self._key is not None

    def row_of_key(self, key: Any) -> int:
        """Row number of the loaded row with ``key`` (see the ``key`` argument), or -1."""
        if self._key is None:
            raise TypeError("PagedTableModel was created without key=")
        for i, r in enumerate(self._rows):
            if self._key(r) == key:
                return i
        return -1

    def key_of(self, row: R) -> Any:
        if self._key is None:
            raise TypeError("PagedTableModel was created without key=")
        return self._key(row)

    # --- loading ----------------------------------------------------------------------
    def _run(self, offset: int, generation: int, *, replace: bool) -> None:
        fetch = self._fetch
        limit = self.page_size
        self._loading = True

        def work(_progress: object) -> Page[R]:
            return fetch(offset, limit)

        def done(page: Page[R]) -> None:
            if generation != self._generation:
                return  # a newer refresh was started meanwhile
            self._loading = False
            self.last_error = None
            self._apply(page, replace=replace)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._loading = False
            if not isinstance(exc, EffDeskError):
                raise exc
            self.last_error = exc
            if replace or self._rows:
                self.beginResetModel()
                self._rows = []
                self._total = 0
                self.endResetModel()
                self.totalChanged.emit(0)
            self.loadFailed.emit(exc)

        if self._tasks is None:
            try:
                page = work(None)
            except EffDeskError as exc:
                failed(exc)
            else:
                done(page)
        else:
            self._tasks.run(work, done, failed)

    def _apply(self, page: Page[R], *, replace: bool) -> None:
        if replace:
            self.beginResetModel()
            self._rows = list(page.rows)
            self._total = page.total
            self.endResetModel()
            self.totalChanged.emit(self._total)
            self.refreshed.emit()
            return
        new = list(page.rows)
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()
        else:
            # The server has fewer rows than it said (deleted meanwhile): stop asking.
            page = Page(rows=[], total=len(self._rows), offset=page.offset)
        if page.total != self._total:
            self._total = page.total
            self.totalChanged.emit(self._total)

    # --- Qt model interface -----------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._loading:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._run(len(self._rows), self._generation, replace=False)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].header
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(self.columns[section].align)
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = col.value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground is not None:
            colour = col.foreground(row)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and col.background is not None:
            colour = col.background(row)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.tooltip is not None:
                return col.tooltip(row) or None
            value = col.value(row)
            text = "" if value is None else str(value)
            return text or None  # the whole text, however the view elides the cell
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
