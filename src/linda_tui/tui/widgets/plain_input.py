"""A one-line field that takes text, never terminal controls.

Textual's Input draws its value as it is: a control character pasted into it (a path
or a name copied from somewhere that carries ``ESC ] 52``, a bidi override) would reach
the terminal raw on every redraw, and an operator never means one in a name, a path, a
number or a search. Every way text enters the field (keys, a paste, the clipboard)
goes through ``replace``: the controls are dropped there.
"""

from __future__ import annotations

from textual.widgets import Input

from linda_tui.terminal_text import CONTROL_CHARACTERS

_DROP = str.maketrans(dict.fromkeys(CONTROL_CHARACTERS))


class PlainInput(Input):
    """An Input whose typed or pasted text loses its control characters."""

    def replace(self, text: str, start: int, end: int) -> None:
        """Replace start..end with text, its control characters left out."""
        super().replace(text.translate(_DROP), start, end)
