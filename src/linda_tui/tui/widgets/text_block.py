"""A block of Rich text drawn with the Line API: a Static for text redrawn often.

A Static turns its Text into Textual's Content and lays it out on every update (about
7 ms for the Broadcasts pane's five-line summary, on every campaign the cursor passes
and every progress event). Here Rich draws the Text straight into lines, once per
update and width, and the screen takes them line by line.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget


class TextBlock(Widget):
    """Rich Text (never markup), wrapped to the widget's width. ``update`` replaces it;
    the same text again draws nothing. Give it a height in CSS (a fixed one keeps the
    screen from being laid out again when the text changes)."""

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
        self._drawn_for: tuple[int, Style] | None = None

    @property
    def text(self) -> Text:
        """The text on show."""
        return self._text

    def update(self, text: Text) -> None:
        """Show this text instead (nothing is redrawn when it is the same)."""
        if text == self._text and text.style == self._text.style:
            return
        self._text = text
        self._lines = None
        if self.styles.is_auto_height:
            self.refresh(layout=True)
        else:
            self.refresh()

    def _drawn(self, width: int) -> list[Strip]:
        style = self.rich_style
        if self._lines is None or self._drawn_for != (width, style):
            console = self.app.console
            options = console.options.update(width=width, height=None, highlight=False)
            rendered = console.render_lines(self._text, options, style=style, pad=True)
            self._lines = [Strip(line, width) for line in rendered]
            self._drawn_for = (width, style)
        return self._lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._drawn(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._drawn(width)
        if y < len(lines):
            return lines[y]
        return Strip.blank(width, self.rich_style)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text as drawn (lines as wrapped), for copying what the mouse selected."""
        lines = self._drawn(self.size.width)
        text = "\n".join(line.text.rstrip() for line in lines)
        return selection.extract(text), "\n"


__all__ = ["TextBlock"]
