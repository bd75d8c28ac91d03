"""Copying what the mouse selected, on every screen, without ever crashing.

Textual's default ``Widget.get_selection`` cuts the selection out of a widget's text
as written, but the selection counts rows as drawn: a Static whose text wraps has more
rows than lines, and a selection starting on a wrapped row past the last line made
``Selection.extract`` index out of range, so ctrl+c (copy) ended the console. Every
Linda screen copies through ``CopySafely``: a widget with Textual's default takes its
text as drawn (wrapped to its width), the extraction clamps to the lines there are, and
a widget whose own ``get_selection`` fails is left out of the copy (and logged) instead
of taking the console down.
"""

from __future__ import annotations

import logging

from rich.text import Text
from textual.content import Content
from textual.selection import Selection
from textual.widget import Widget

log = logging.getLogger(__name__)


def extract(selection: Selection, text: str) -> str:
    """The part of ``text`` (lines as drawn) that ``selection`` covers; rows and columns
    past the end are clamped, never an error."""
    lines = text.split("\n")
    if not lines:
        return ""
    last = len(lines) - 1
    if selection.start is None:
        start_row, start_column = 0, 0
    else:
        start_column, start_row = selection.start
    if selection.end is None:
        end_row, end_column = last, len(lines[last])
    else:
        end_column, end_row = selection.end
    if start_row > last:
        return ""  # it starts below the text
    start_row, end_row = max(start_row, 0), min(max(end_row, 0), last)
    start_column, end_column = max(start_column, 0), max(end_column, 0)
    if end_row < start_row:
        return ""
    if start_row == end_row:
        return lines[start_row][start_column:end_column]
    middle = lines[start_row + 1 : end_row]
    return "\n".join([lines[start_row][start_column:], *middle, lines[end_row][:end_column]])


def drawn_text(widget: Widget) -> str | None:
    """A widget's text as drawn: wrapped to its content width, one line per row."""
    visual = widget.render()
    if isinstance(visual, str):
        content = Content(visual)
    elif isinstance(visual, Text):
        content = Content.from_rich_text(visual)
    elif isinstance(visual, Content):
        content = visual
    else:
        return None
    width = max(widget.content_size.width, 1)
    return "\n".join(line.plain.rstrip() for line in content.wrap(width))


def selected_in(widget: Widget, selection: Selection) -> tuple[str, str] | None:
    """What ``selection`` covers in ``widget``, or None (nothing to copy, or it failed)."""
    try:
        if type(widget).get_selection is Widget.get_selection:
            text = drawn_text(widget)
            return None if text is None else (extract(selection, text), "\n")
        return widget.get_selection(selection)
    except Exception:  # a copy must never end the console
        log.warning("could not copy the selection in %r", widget, exc_info=True)
        return None


class CopySafely:
    """Mixed into every Linda screen (before Textual's Screen): ctrl+c copies what the
    mouse selected, as drawn, and never raises."""

    def get_selected_text(self) -> str | None:
        selections: dict[Widget, Selection] = getattr(self, "selections", {})
        if not selections:
            return None
        parts: list[str] = []
        for widget, selection in list(selections.items()):
            if widget.is_attached and (got := selected_in(widget, selection)) is not None:
                parts.extend(got)
        return "".join(parts).rstrip("\n")


__all__ = ["CopySafely", "drawn_text", "extract", "selected_in"]
