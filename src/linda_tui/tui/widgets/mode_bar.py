"""The top line of every pane: where you are, and the number key for each pane."""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

# (mode, title, key): the panes, in the order of their number keys.
PANES: tuple[tuple[str, str, str], ...] = (
    ("dashboard", "Dashboard", "1"),
    ("compose", "Compose", "2"),
    ("broadcasts", "Broadcasts", "3"),
    ("contacts", "Contacts", "4"),
    ("activity", "Activity", "5"),
)


class ModeBar(Widget):
    """``Linda  1 Dashboard  2 Compose ...`` with the current pane highlighted."""

    DEFAULT_CSS = """
    ModeBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, current: str, *, demo: bool = False) -> None:
        super().__init__()
        self.current = current
        self.demo = demo

    def render(self) -> RenderResult:
        line = self._line(short=False)
        if line.cell_len > self.size.width:
            # A narrow terminal: the other panes by their number key only.
            line = self._line(short=True)
        return line

    def _line(self, *, short: bool) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" Linda ", style="bold reverse")
        if self.demo:
            line.append(" demo ", style="bold black on yellow")
        line.append(" ")
        key_for = getattr(self.app, "key_for", None)
        for mode, title, default in PANES:
            # bots.yaml's keys: may give a pane another key.
            key = key_for(f"linda.pane.{mode}", default) if key_for else default
            if mode == self.current:
                # Brackets mark the current pane when there is no colour.
                line.append(f"[{key} {title}]", style="bold reverse")
            elif short:
                line.append(f" {key} ")
            else:
                line.append(f" {key} {title} ")
        return line
