"""Text from outside Linda as the console shows it: literally.

Textual reads a ``str`` given to a Static, a Label, a Select option, a table cell, the
command palette or ``notify`` as markup: ``[/]`` raises an error and ``[@click=app.quit]``
becomes an action. A Rich ``Text`` is never read as markup, so every text that comes from
outside (message text, names from bots.yaml or the contacts, reasons from the network,
exception texts, paths) reaches a widget through ``literal``, which also shows terminal
controls as visible stand-ins (see linda_tui.printable).
"""

from __future__ import annotations

from rich.console import OverflowMethod
from rich.style import StyleType
from rich.text import Text

from linda_tui.printable import printable

__all__ = ["literal", "printable"]


def literal(
    text: str,
    style: StyleType = "",
    *,
    no_wrap: bool | None = None,
    overflow: OverflowMethod | None = None,
) -> Text:
    """``text`` as a Rich Text, shown exactly as written."""
    return Text(printable(text), style=style, no_wrap=no_wrap, overflow=overflow)
