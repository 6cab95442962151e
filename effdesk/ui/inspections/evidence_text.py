"""An attachment in words (its tool tip and the viewer's info panel), shared by the evidence
grid and the viewer so that neither imports the other for it."""

from __future__ import annotations

from effdesk.enums import EvidenceFlag
from effdesk.services.evidence import AttachmentRow


def size_text(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def describe(row: AttachmentRow) -> str:
    """Tool tip / info text of one stored attachment."""
    lines = [
        row.original_name,
        f"类型：{row.media_kind.label}（{row.mime}），{size_text(row.size)}",
    ]
    if row.width and row.height:
        lines.append(f"尺寸：{row.width}×{row.height}")
    if EvidenceFlag.FUTURE_CAPTURE_TIME in row.flags:
        lines.append("拍摄时间：照片记录的时间晚于导入时间，不可信，未采用")
    else:
        lines.append(
            f"拍摄时间：{row.captured_at:%Y-%m-%d %H:%M:%S}" if row.captured_at else "拍摄时间：无"
        )
    if row.gps:
        lat, lon = row.gps
        ns = "北纬" if lat >= 0 else "南纬"
        ew = "东经" if lon >= 0 else "西经"
        lines.append(f"拍摄位置：{ns} {abs(lat):.5f}，{ew} {abs(lon):.5f}")
    if row.camera:
        lines.append(f"设备：{row.camera}")
    lines.append(f"导入：{row.imported_at:%Y-%m-%d %H:%M}（{row.imported_by}）")
    # Two halves: a 64-digit word does not wrap in a narrow panel.
    lines.append(f"SHA-256：\n{row.sha256[:32]}\n{row.sha256[32:]}")
    if row.flags:
        lines.append("疑点：" + "、".join(row.flag_labels))
    return "\n".join(lines)
