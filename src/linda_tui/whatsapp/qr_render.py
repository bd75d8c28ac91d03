"""Pairing QR codes drawn with half-block characters, two modules per character cell.

A WhatsApp pairing payload (about 240 characters) at error correction L is a version
9-10 QR: with a 2-module quiet zone that is 57-61 columns by 29-31 rows. Always drawn
dark-on-light (black on white): many phones cannot read an inverted code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

QUIET_ZONE = 2

# (top dark, bottom dark) -> glyph, drawn in the dark colour on the light background.
_GLYPHS = {
    (False, False): " ",
    (True, False): "▀",
    (False, True): "▄",
    (True, True): "█",
}


@dataclass(frozen=True)
class QRDrawing:
    lines: list[str]

    @property
    def width(self) -> int:
        return len(self.lines[0]) if self.lines else 0

    @property
    def height(self) -> int:
        return len(self.lines)


def qr_matrix(payload: str) -> list[list[bool]]:
    """The module matrix (True = dark) including the quiet zone."""
    # Imported here: qrcode brings Pillow, which `linda` does not need until a code is drawn.
    import qrcode
    from qrcode.constants import ERROR_CORRECT_L

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=QUIET_ZONE)
    qr.add_data(payload)
    qr.make(fit=True)
    return cast("list[list[bool]]", qr.get_matrix())


def draw_qr(payload: str) -> QRDrawing:
    """The QR code as lines of half-block characters (dark = the glyph's ink)."""
    matrix = qr_matrix(payload)
    if len(matrix) % 2:
        matrix = [*matrix, [False] * len(matrix[0])]
    lines = [
        "".join(
            _GLYPHS[(top, bottom)] for top, bottom in zip(matrix[r], matrix[r + 1], strict=True)
        )
        for r in range(0, len(matrix), 2)
    ]
    return QRDrawing(lines)


def ansi_qr(drawing: QRDrawing) -> str:
    """The drawing for a plain terminal: black ink on a bright white background."""
    start, end = "\x1b[30;107m", "\x1b[0m"
    return "\n".join(f"{start}{line}{end}" for line in drawing.lines)


def too_small_message(
    drawing: QRDrawing, columns: int, rows: int, reserved_rows: int = 0
) -> str | None:
    """None if the QR fits in a terminal of columns x rows; else how large it must be."""
    need_cols, need_rows = drawing.width, drawing.height + reserved_rows
    if columns >= need_cols and rows >= need_rows:
        return None
    return (
        f"the terminal is {columns}x{rows}; the QR code needs at least {need_cols}x{need_rows} — "
        "enlarge the window, or pair with a phone code instead"
    )
