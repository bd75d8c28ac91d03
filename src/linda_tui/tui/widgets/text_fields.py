"""Text fields that apply keys in the order they were typed, even in one burst.

Textual's Input and TextArea insert a typed character at once, in their own key
handler, but run their bound keys (backspace, delete, the arrows, home, ctrl+u...) only
after the key has bubbled up to the app: in a burst (a paste, a laggy SSH link, keys
queued while the console was busy) a character typed after a backspace could land
before it. "hell⌫⌫⌫⌫hi" became "he", "aaa⌫⌫⌫sara" became "aaras". Textual issue #6605
(fix proposed in PR #6631, not released): these fields run their own bindings inline,
in the same handler that inserts characters, so every key takes effect in turn.
"""

from __future__ import annotations

from textual import events
from textual.actions import parse
from textual.widgets import Input, TextArea


class _KeysInOrder:
    """Runs the widget's own (non-priority) bindings as its key handler meets them."""

    async def on_key(self, event: events.Key) -> None:
        widget = self  # a Widget: the class this is mixed into
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
    """One line of text (an Input) whose keys apply in the order typed."""


class TextBox(_KeysInOrder, TextArea):
    """Several lines of text (a TextArea) whose keys apply in the order typed."""
