"""A filter box, a table over a :class:`PagedTableModel`, and a count line — every list screen.

The filter is debounced: typing "公安" refreshes once, not once per key. The view does not
filter rows itself; the page's fetch function reads :meth:`SearchableTableView.query` and the
service does the searching (names, pinyin, whatever the service supports).

Keyboard: ↓ in the filter box moves into the table; Enter or a double-click activates a row;
Esc in the filter box clears it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from effdesk.ui.models.paged import PagedTableModel

MAX_FIT_PX = 320


class _ElideDelegate(QStyledItemDelegate):
    """Shortens a column's text its own way (e.g. numbers in the middle)."""

    def __init__(self, mode: Qt.TextElideMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode

    def initStyleOption(self, option: QStyleOptionViewItem, index: Any) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = self.mode  # type: ignore[attr-defined]


class _Table(QTableView):
    activatedRow = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activatedRow.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class SearchableTableView(QWidget):
    """Filter line edit (debounced) + table + "共 N 条" label.

    Signals: ``filterChanged(str)`` after the debounce (the model is then refreshed when
    ``auto_refresh``), ``currentRowChanged(object)`` with the row object or ``None``,
    ``rowActivated(object)`` on Enter/double-click.
    """

    filterChanged = Signal(str)
    currentRowChanged = Signal(object)
    rowActivated = Signal(object)

    def __init__(
        self,
        model: PagedTableModel[Any],
        *,
        placeholder: str = "搜索…",
        debounce_ms: int = 300,
        auto_refresh: bool = True,
        noun: str = "条",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.auto_refresh = auto_refresh
        self.noun = noun
        # What to do next when the list is empty (shown after "共 0 条"), e.g. "点“新增单位”添加".
        self.empty_hint = ""

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(placeholder)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.installEventFilter(self)

        # Pages add their own filter widgets and buttons here, right of the filter box.
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.toolbar.addWidget(self.filter_edit, 1)

        self.table = _Table()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        # The stretched last column may shrink to this, so a narrow pane does not scroll sideways.
        header.setMinimumSectionSize(36)
        header.setDefaultSectionSize(80)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._fitted = False
        self._apply_widths()
        model.refreshed.connect(self.fit_columns)
        model.rowsInserted.connect(lambda *_a: self.fit_columns())

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.apply_filter_now)
        self._query = ""
        self._pending_key: Any = None
        self._reveal = False
        self.filter_edit.textChanged.connect(lambda _t: self._timer.start())

        self.table.doubleClicked.connect(lambda idx: self._activate(idx))
        self.table.activatedRow.connect(lambda idx: self._activate(idx))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        model.totalChanged.connect(lambda _n: self._update_count())
        model.rowsInserted.connect(lambda *_: self._update_count())
        model.modelReset.connect(self._on_reset)
        model.loadFailed.connect(self._on_failed)
        model.refreshed.connect(self._on_refreshed)
        self._update_count()

    # --- filter -----------------------------------------------------------------------
    def query(self) -> str:
        """The filter text the fetch function should use (as of the last debounce)."""
        return self._query

    def set_query(self, text: str) -> None:
        """Set the filter text and apply it at once (no debounce)."""
        self.filter_edit.setText(text)
        self.apply_filter_now()

    def apply_filter_now(self) -> None:
        self._timer.stop()
        self._query = self.filter_edit.text().strip()
        self.filterChanged.emit(self._query)
        if self.auto_refresh:
            self.refresh()

    def refresh(
        self, keep_selection: bool = True, *, select_key: Any = None, reveal: bool = False
    ) -> None:
        """Reload from the service.

        Afterwards (also when the model loads off the GUI thread) the row with ``select_key``
        is selected, or else the row that was selected before (``keep_selection``). With
        ``reveal``, a ``select_key`` row hidden by the filter text is shown by clearing it.
        """
        key = select_key
        if key is None and keep_selection and self.model.has_key:
            current = self.selected()
            key = self.model.key_of(current) if current is not None else None
        self._pending_key = key
        self._reveal = reveal and select_key is not None
        self.model.refresh()

    def _on_refreshed(self) -> None:
        key, self._pending_key = self._pending_key, None
        if key is None or self.select_key(key):
            return
        if self._reveal and self._query:
            self._reveal = False
            self.filter_edit.blockSignals(True)
            self.filter_edit.clear()
            self.filter_edit.blockSignals(False)
            self._query = ""
            self.filterChanged.emit("")
            self._pending_key = key
            self.model.refresh()

    # --- selection --------------------------------------------------------------------
    def selected(self) -> Any | None:
        """The selected row object, or ``None``."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(rows[0])

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def select_key(self, key: Any) -> bool:
        """Select the loaded row with ``key``; returns whether it was found."""
        row = self.model.row_of_key(key)
        if row < 0:
            return False
        self.select_row(row)
        return True

    def _selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        self.currentRowChanged.emit(self.selected())

    def _activate(self, index: Any) -> None:
        if index.isValid():
            self.rowActivated.emit(self.model.row_at(index))

    def _on_reset(self) -> None:
        self._update_count()
        # A reset clears the selection without selectionChanged; tell listeners.
        self.currentRowChanged.emit(None)

    # --- count line -------------------------------------------------------------------
    def _update_count(self) -> None:
        total, loaded = self.model.total, self.model.loaded
        if self.model.last_error is not None:
            return
        self.count_label.setStyleSheet("")
        if loaded < total:
            text = f"共 {total:,} {self.noun}（已显示 {loaded:,}，向下滚动加载更多）"
        else:
            text = f"共 {total:,} {self.noun}"
        if self._query:
            text = f"「{self._query}」：" + text
        if total == 0:
            text += (
                "。没有找到，可换个关键字或清空搜索框。"
                if self._query
                else (f"。{self.empty_hint}" if self.empty_hint else "")
            )
        self.count_label.setText(text)

    def _on_failed(self, exc: object) -> None:
        self.count_label.setStyleSheet("color: #c62828;")
        self.count_label.setText(str(exc))

    # --- column widths ----------------------------------------------------------------
    def _apply_widths(self) -> None:
        for i, col in enumerate(self.model.columns):
            if col.width is not None:
                self.table.setColumnWidth(i, col.width)
            if col.elide is not Qt.TextElideMode.ElideRight:
                self.table.setItemDelegateForColumn(i, _ElideDelegate(col.elide, self.table))

    def fit_columns(self) -> None:
        """Widen each column (but the stretched last) to what its loaded rows need, up to
        MAX_FIT_PX, once, when the first rows arrive: categories, deadlines and titles are
        shown whole rather than cut; a column the user widened or narrowed is left alone."""
        if self._fitted or self.model.rowCount() == 0:
            return
        self._fitted = True
        last = len(self.model.columns) - 1
        for i, col in enumerate(self.model.columns):
            if i == last:
                continue
            wanted = max(self.table.sizeHintForColumn(i), col.width or 0)
            self.table.setColumnWidth(i, min(wanted, max(MAX_FIT_PX, col.width or 0)))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.filter_edit and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return super().eventFilter(obj, event)
            key = event.key()
            if key == Qt.Key.Key_Down and self.model.rowCount() > 0:
                self.table.setFocus()
                if not self.table.selectionModel().hasSelection():
                    self.select_row(0)
                return True
            if key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                self.apply_filter_now()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.apply_filter_now()
                return True
        return super().eventFilter(obj, event)
