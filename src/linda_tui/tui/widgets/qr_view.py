"""A pairing QR code drawn with half blocks, always black on white (with its quiet zone)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widget import Widget

from linda_tui.whatsapp.qr_render import QRDrawing

# Fixed colours whatever the theme: many phones cannot read an inverted code. Hex
# values so the white is full white in every colour mode (256 colours included).
QR_STYLE = Style(color="#000000", bgcolor="#ffffff")


class QRView(Widget):
    """Shows one QRDrawing at its natural size; ``show`` swaps in the next code."""

    DEFAULT_CSS = """
    QRView { width: auto; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawing: QRDrawing | None = None

    @property
    def drawing(self) -> QRDrawing | None:
        return self._drawing

    def show(self, drawing: QRDrawing | None) -> None:
        self._drawing = drawing
        self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._drawing.width if self._drawing else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._drawing.height if self._drawing else 0

    def render(self) -> RenderResult:
        if self._drawing is None:
            return Text()
        return Text("\n".join(self._drawing.lines), style=QR_STYLE, no_wrap=True, end="")
