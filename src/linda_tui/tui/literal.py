"""Text from outside Linda as the console shows it: literally.

Textual reads a ``str`` given to a Static, a Label, a Select option, a table cell, the
command palette or ``notify`` as markup: ``[/]`` raises an error and ``[@click=app.quit]``
becomes an action. A Rich ``Text`` is never read as markup, so every text that comes from
outside (message text, names from bots.yaml or the contacts, reasons from the network,
exception texts, paths) reaches a widget through ``literal``; text added to a Text of the
console's own goes through ``printable``. Both show a terminal control character as its
escape (linda_tui.terminal_text), so that it is seen and does nothing.
"""

from __future__ import annotations

from rich.console import OverflowMethod
from rich.style import StyleType
from rich.text import Text

from linda_tui.terminal_text import visible


def printable(text: str) -> str:
    """``text`` as the console shows it: its line breaks and tabs kept (a CR LF line end
    as a line break), every other control character written as its escape (``\\x1b``)."""
    return visible(text.replace("\r\n", "\n"), keep_lines=True)


def literal(
    text: str,
    style: StyleType = "",
    *,
    no_wrap: bool | None = None,
    overflow: OverflowMethod | None = None,
) -> Text:
    """``text`` as a Rich Text, shown exactly as written."""
    return Text(printable(text), style=style, no_wrap=no_wrap, overflow=overflow)
