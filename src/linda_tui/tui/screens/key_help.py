"""The key help (``?``): every key that works on the pane on show, and everywhere."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from linda_tui.tui.selection import CopySafely

# Width of the key column.
KEY_COLUMN = 16


def key_help(pane: Screen[object]) -> Text:
    """The keys that work on ``pane`` now (its own and its focused field's), then the
    ones that work on every pane: one line per action, its keys side by side."""
    app = pane.app
    groups: dict[bool, dict[str, tuple[list[str], str, str]]] = {False: {}, True: {}}
    # The keys the key bar shows first (the pane's own actions), then the others.
    bindings = sorted(pane.active_bindings.items(), key=lambda item: not item[1].binding.show)
    for key, active in bindings:
        binding = active.binding
        if not binding.description or binding.system:
            continue
        everywhere = active.node is app
        keys, _, _ = groups[everywhere].setdefault(
            binding.action, ([], binding.description, binding.id or "")
        )
        shown = app.get_key_display(Binding(key, binding.action))
        if shown not in keys:
            keys.append(shown)
    text = Text()
    for title, everywhere in (("On this pane", False), ("Everywhere", True)):
        text.append(f"{title}\n", style="bold underline")
        for keys, description, binding_id in groups[everywhere].values():
            text.append(f"  {', '.join(keys):<{KEY_COLUMN}}", style="bold")
            text.append(description)
            if binding_id:  # what bots.yaml's keys: remaps it by
                text.append(f"  {binding_id}", style="dim")
            text.append("\n")
        text.append("\n")
    text.append(
        "In a text field the number keys type: press esc to leave the field first.\n"
        "ctrl+p opens the command palette: every action on every bot, by name.\n"
        "Remap a key in bots.yaml by the id shown after it (keys: linda.quit: ctrl+x).",
        style="dim",
    )
    return text


class KeyHelpScreen(CopySafely, ModalScreen[None]):
    """Every key of the pane below and the global ones; esc (or ?) closes it."""

    CSS_PATH = "key_help.tcss"

    BINDINGS = [
        Binding("escape,question_mark", "close", "Close", id="linda.help.close"),
    ]

    def __init__(self, pane: Screen[object]) -> None:
        super().__init__()
        self._pane = pane

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="key-help") as box:
            box.border_title = "Keys"
            box.border_subtitle = "esc closes"
            yield Static(key_help(self._pane))

    def action_close(self) -> None:
        self.dismiss(None)
