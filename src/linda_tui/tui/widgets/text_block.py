"""A block of Rich text drawn with the Line API: a Static for text redrawn often.

A Static turns its Text into Textual's Content and lays it out on every update (about
7 ms for the Broadcasts pane's five-line summary, on every campaign the cursor passes
and every progress event). Here Rich draws the Text straight into lines, once per
update and width, and the screen takes them line by line.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from linda_tui.tui.selection import extract


class TextBlock(Widget):
    """Rich Text (never markup), wrapped to the widget's width. ``update`` replaces it;
    the same text again draws nothing. With an auto height (the default) the screen is
    laid out again only when the number of lines changes."""

    DEFAULT_CSS = """
    TextBlock {
        height: auto;
    }
    """

    def __init__(
        self, text: Text | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text or Text()
        self._lines: list[Strip] | None = None
        self._width = -1  # the width the lines are drawn for
        # The widget's style, worked out once per change of styles (focus, theme):
        # Textual works it out from every ancestor's at each call.
        self._style: Style | None = None

    @property
    def text(self) -> Text:
        """The text on show."""
        return self._text

    def update(self, text: Text) -> None:
        """Show this text instead (nothing is redrawn when it is the same)."""
        if text == self._text and text.style == self._text.style:
            return
        width = self.size.width
        before = len(self._lines) if self._lines is not None and self._width == width else None
        self._text = text
        self._lines = None
        # Laid out again only when its height changes: a progress event that changes a
        # figure redraws the block, a reason that wraps onto one more line grows it.
        if self.styles.is_auto_height and (before is None or len(self._drawn(width)) != before):
            self.refresh(layout=True)
        else:
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._lines = None

    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def _drawn(self, width: int) -> list[Strip]:
        if self._lines is None or self._width != width:
            self._lines = self._draw(width)
            self._width = width
        return self._lines

    def _draw(self, width: int) -> list[Strip]:
        console = self.app.console
        style = self._base_style()
        options = console.options.update(width=width, height=None, highlight=False)
        lines: list[Strip] = []
        for line in self._text.split("\n", allow_blank=True):
            if line.cell_len <= width:
                # Most lines fit: drawn as they are, without Rich's wrapping.
                segments = Segment.apply_style(line.render(console), style)
                lines.append(Strip(segments, line.cell_len).extend_cell_length(width, style))
            else:
                rendered = console.render_lines(line, options, style=style, pad=True)
                lines.extend(Strip(segments, width) for segments in rendered)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._drawn(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._drawn(width)
        if y < len(lines):
            return lines[y]
        return Strip.blank(width, self._base_style())

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text as drawn (lines as wrapped), for copying what the mouse selected."""
        lines = self._drawn(self.size.width)
        text = "\n".join(line.text.rstrip() for line in lines)
        return extract(selection, text), "\n"


__all__ = ["TextBlock"]
