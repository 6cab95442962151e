"""Shows a new (or requested) backup recovery key, to print or save and keep safe."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.db.base import now
from effdesk.security import keys


class RecoveryKeyDialog(QDialog):
    def __init__(
        self,
        key: bytes,
        database_id: str,
        office_name: str,
        parent: QWidget | None = None,
        *,
        new: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle("备份恢复密钥")
        self.sheet = keys.recovery_sheet(key, database_id, office_name, now())
        self.recovery_key = keys.recovery_key(key)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "已生成新的备份密钥。请现在打印或抄写下面的恢复密钥，放在安全处（如保密柜）。"
            if new
            else "本数据库备份密钥的恢复密钥："
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.key_label = QLabel(self.recovery_key)
        self.key_label.setObjectName("recoveryKey")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(max(self.font().pointSizeF() * 1.2, 11))
        self.key_label.setFont(font)
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.key_label)
        text = QPlainTextEdit(self.sheet)
        text.setReadOnly(True)
        text.setMinimumHeight(200)
        layout.addWidget(text)
        buttons = QDialogButtonBox()
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为文本…")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        ok = buttons.addButton("我已妥善保存", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_sheet)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def print_sheet(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setPlainText(self.sheet)
        doc.print_(printer)

    def save_sheet(self, path: str | None = None) -> Path | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "保存恢复密钥", "EffDesk恢复密钥.txt", "文本文件 (*.txt)"
            )
        if not path:
            return None
        target = Path(path)
        target.write_text(self.sheet, encoding="utf-8")
        return target
