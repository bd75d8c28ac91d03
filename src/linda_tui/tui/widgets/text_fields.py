"""Text fields that take text only, and apply keys in the order they were typed.

Text only: Textual's Input and TextArea draw their value as it is, so a control
character pasted into one (a path or a name copied from somewhere that carries
``ESC ] 52``, a bidi override) would reach the terminal raw on every redraw; an
operator never means one in a name, a path, a number, a search or a message. Every way
text enters a field (keys, a paste, the clipboard) goes through ``replace``: the
controls are dropped there (a message keeps its line breaks and tabs).

In order, even in one burst:

Textual's Input and TextArea insert a typed character at once, in their own key
handler, but run their bound keys (backspace, delete, the arrows, home, ctrl+u...) only
after the key has bubbled up to the app: in a burst (a paste, a laggy SSH link, keys
queued while the console was busy) a character typed after a backspace could land
before it. "hell⌫⌫⌫⌫hi" became "he", "aaa⌫⌫⌫sara" became "aaras". Textual issue #6605
(fix proposed in PR #6631, not released): these fields run their own bindings inline,
in the same handler that inserts characters, so every key takes effect in turn.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from textual import events
from textual.actions import parse
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input, TextArea
from textual.widgets.text_area import EditResult, Location

from linda_tui.terminal_text import CONTROL_CHARACTERS, without_controls

_DROP = str.maketrans(dict.fromkeys(CONTROL_CHARACTERS))


def _typed_format_character(event: events.Key) -> str | None:
    """The joiner or direction mark a key types (ZWNJ is shift+space on a Persian
    keyboard), which Textual's fields drop as "not printable" (Unicode's Cf): it belongs
    in the text. The format characters Linda never takes (bidi overrides, zero widths:
    CONTROL_CHARACTERS) stay out."""
    character = event.character
    if (
        character is None
        or len(character) != 1
        or event.is_printable
        or character in CONTROL_CHARACTERS
        or unicodedata.category(character) != "Cf"
    ):
        return None
    return character


class _KeysInOrder:
    """Runs the widget's own (non-priority) bindings as its key handler meets them, and
    types the joiners and direction marks Textual's fields would drop."""

    def _type(self, character: str) -> None:
        raise NotImplementedError

    async def on_key(self, event: events.Key) -> None:
        widget = self  # a Widget: the class this is mixed into
        character = _typed_format_character(event)
        if character is not None:
            event.stop()
            event.prevent_default()
            self._type(character)
            return
        for binding in widget._bindings.key_to_bindings.get(event.key, ()):  # type: ignore[attr-defined]
            if binding.priority:
                continue  # already run by the app before the key reached the field
            _namespace, action, parameters = parse(binding.action)
            if widget.check_action(action, parameters) is False:  # type: ignore[attr-defined]
                continue
            # False when the action skipped (an Input does not scroll: its inherited
            # up/down go on to the screen's bindings, as they would have).
            if await widget.app.run_action(binding.action, widget):  # type: ignore[attr-defined]
                event.stop()
                event.prevent_default()
                return


class TextField(_KeysInOrder, Input):
    """One line of text (an Input): its keys apply in the order typed, and what is typed
    or pasted loses its control characters."""

    # Input sets its virtual size (its text's width) on every key, and Widget's
    # virtual_size laid the whole screen out again on each change: a layout per key,
    # which also repainted every scroll view's scroll bar in a second frame. Where a
    # field sits does not depend on its text (Input asks for a layout itself when its
    # width is auto), so a new virtual size only repaints it; the scrolling that follows
    # the cursor reads the new size at once (see watch_virtual_size).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, size: Size) -> None:
        # What the layout did for it: the text scrolled no further than it now reaches
        # (Input scrolls to the cursor itself when its selection changes).
        self.scroll_x = self.validate_scroll_x(self.scroll_x)

    def replace(self, text: str, start: int, end: int) -> None:
        """Replace start..end with text, its control characters left out."""
        super().replace(text.translate(_DROP), start, end)

    def _type(self, character: str) -> None:
        # As Input types a printable key: over the selection, or at the cursor.
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(character)
        else:
            self.replace(character, *selection)


class TextBox(_KeysInOrder, TextArea):
    """Several lines of text (a TextArea): its keys apply in the order typed, and what
    is typed or pasted loses its control characters but line breaks and tabs."""

    def replace(self, insert: str, start: Location, end: Location, **options: Any) -> EditResult:
        """Replace start..end with insert, its control characters left out. Line breaks
        are kept whichever way they come: tmux and xterm-style terminals paste them as
        CR alone, Windows text as CR LF."""
        clean = without_controls(insert.replace("\r\n", "\n").replace("\r", "\n"))
        return super().replace(clean, start, end, **options)

    def _type(self, character: str) -> None:
        # As TextArea types a printable key: over the selection, or at the cursor.
        if not self.read_only:
            self.replace(character, *self.selection)
