"""PDF preview (QtPdf), printing through the system print dialog, and "save as PDF".

The pane only shows bytes it is given: rendering and hash checks happen in the page's worker
tasks. A label says which fonts the PDF uses, so a clerk knows whether the office's official
fonts or the bundled substitutes were printed; a warning line says when an issued document's
stored file no longer matches its recorded hash.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.ui.widgets.files import remember_folder, save_folder


class PdfPreview(QWidget):
    """A QPdfView over in-memory PDF bytes, with 打印 and 另存为PDF."""

    saved = Signal(str)
    printed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._buffer: QBuffer | None = None
        self._data = b""
        self.suggested_name = "公文.pdf"

        self.title_label = QLabel("尚未预览")
        self.title_label.setObjectName("previewTitle")
        self.title_label.setWordWrap(True)
        self.fonts_label = QLabel()
        self.fonts_label.setObjectName("fontsLabel")
        self.fonts_label.setWordWrap(True)
        self.fonts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning_label = QLabel()
        self.warning_label.setObjectName("previewWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "QLabel { color: #b71c1c; background: #fdecea; padding: 4px; }"
        )
        self.warning_label.setVisible(False)
        # Where the last "save as" went, with a link that opens the folder: nothing is saved
        # without the user seeing where.
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setWordWrap(True)
        self.saved_label.setOpenExternalLinks(True)
        self.saved_label.setStyleSheet("QLabel { color: #2e7d32; padding: 2px 4px; }")
        self.saved_label.setVisible(False)

        self.print_button = QPushButton("打印…")
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button = QPushButton("另存为PDF…")
        self.save_button.clicked.connect(self.save_with_dialog)
        self.zoom_fit = QPushButton("适合宽度")
        self.zoom_fit.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.zoom_page = QPushButton("整页")
        self.zoom_page.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitInView))
        bar = QHBoxLayout()
        bar.addWidget(self.title_label, 1)
        bar.addWidget(self.zoom_fit)
        bar.addWidget(self.zoom_page)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.saved_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.fonts_label)
        self._set_actions_enabled(False)

    # --- content ------------------------------------------------------------------------
    @property
    def pdf_bytes(self) -> bytes:
        return self._data

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def show_pdf(
        self,
        data: bytes,
        *,
        title: str,
        fonts: str,
        warning: str = "",
        suggested_name: str = "公文.pdf",
    ) -> None:
        """Show ``data`` (a PDF); ``fonts`` is the font line, ``warning`` a red line or ""."""
        self.clear()
        self._data = data
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self.document.load(buffer)
        pages = self.document.pageCount()
        self.title_label.setText(f"{title}（共{pages}页）")
        self.fonts_label.setText(fonts)
        self.warning_label.setText(warning)
        self.warning_label.setVisible(bool(warning))
        self.suggested_name = suggested_name
        self._set_actions_enabled(pages > 0)

    def show_message(self, text: str) -> None:
        self.clear()
        self.title_label.setText(text)

    def clear(self) -> None:
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None
        self._data = b""
        self.title_label.setText("尚未预览")
        self.fonts_label.clear()
        self.warning_label.clear()
        self.warning_label.setVisible(False)
        self.saved_label.clear()
        self.saved_label.setVisible(False)
        self._set_actions_enabled(False)

    def _set_actions_enabled(self, enabled: bool) -> None:
        self.print_button.setEnabled(enabled)
        self.save_button.setEnabled(enabled)

    # --- saving -------------------------------------------------------------------------
    def save_to(self, path: Path) -> None:
        """Write the shown PDF, byte for byte (an issued document stays its original)."""
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(self._data)
        tmp.replace(path)
        remember_folder(path)
        folder = QUrl.fromLocalFile(str(path.parent)).toString()
        self.saved_label.setText(
            f'已保存：{html.escape(str(path))}　<a href="{folder}">打开所在文件夹</a>'
        )
        self.saved_label.setVisible(True)
        self.saved.emit(str(path))

    def save_with_dialog(self) -> None:
        start = save_folder() / self.suggested_name
        name, _filter = QFileDialog.getSaveFileName(
            self, "另存为PDF", str(start), "PDF 文件 (*.pdf)"
        )
        if name:
            path = Path(name)
            if path.suffix.lower() != ".pdf":
                path = path.with_suffix(".pdf")
            self.save_to(path)

    # --- printing -----------------------------------------------------------------------
    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_name.removesuffix(".pdf"))
        # The PDF carries its own GB/T 9704 margins: print it on the whole sheet, unscaled.
        printer.setFullPage(True)
        printer.setFromTo(1, max(1, self.page_count))
        return printer

    def print_with_dialog(self) -> None:
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印公文")
        dialog.setMinMax(1, max(1, self.page_count))
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Paint the pages (or the chosen range) onto ``printer``; return pages printed."""
        count = self.page_count
        if count == 0:
            return 0
        first, last = 1, count
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first, last = printer.fromPage(), min(printer.toPage() or count, count)
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("无法开始打印：打印机不可用。")
        printed = 0
        try:
            dpi = printer.resolution()
            for index in range(first - 1, last):
                if printed:
                    printer.newPage()
                size_pt = self.document.pagePointSize(index)
                target = QRectF(
                    QPointF(0, 0), printer.pageLayout().fullRectPixels(dpi).size().toSizeF()
                )
                # Render at the printer's resolution, capped at 300 dpi: sharp text on office
                # printers, and an A4 page image of ~35 MB rather than ~140 MB at 600 dpi.
                scale = min(dpi, 300) / 72.0
                image = self.document.render(
                    index, QSize(int(size_pt.width() * scale), int(size_pt.height() * scale))
                )
                painter.drawImage(target, image)
                printed += 1
        finally:
            painter.end()
        self.printed.emit(printed)
        return printed
