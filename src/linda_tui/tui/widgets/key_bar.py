"""The bottom line of every pane: the keys that work here, and the command palette's."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """``p Pair  r Reconnect  …  q Quit          ^p palette``, from the screen's bindings.

    What Textual's Footer shows, drawn as one line of text: the Footer builds a widget per
    key and builds them all again whenever the bindings change (focus moves, a screen
    opens), which made it the slowest part of the console's first frame. Keys an action
    refuses right now are dimmed; a click on a key presses it.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .key-bar--disabled {
        text-style: dim;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
    }

    def __init__(self) -> None:
        super().__init__()
        # (first column, last column + 1, key) of each key drawn, for clicks.
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        self.refresh()

    def _shown(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """The keys to show (one per action, in binding order) and the palette's key."""
        active = self.screen.active_bindings
        keys: list[tuple[Binding, bool]] = []
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append((binding, enabled))
        palette: tuple[Binding, bool] | None = None
        if self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = (found.binding, found.enabled)
        return keys, palette

    def _key(
        self, line: Text, binding: Binding, styles: tuple[Style, Style]
    ) -> tuple[int, int, str]:
        """Append `` key description `` to line in (key style, description style);
        returns its span and key, for clicks."""
        start = line.cell_len
        line.append(f" {self.app.get_key_display(binding)} ", style=styles[0])
        line.append(f"{binding.description} ", style=styles[1])
        return start, line.cell_len, binding.key.split(",")[0]

    def render(self) -> RenderResult:
        keys, palette = self._shown()
        # The styles, looked up once per line: (key, description) when enabled, dimmed not.
        get_style = self.get_component_rich_style
        key_style, text_style = get_style("key-bar--key"), get_style("key-bar--description")
        dim = get_style("key-bar--disabled")
        looks = {True: (key_style, text_style), False: (key_style + dim, text_style + dim)}
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        spans = [self._key(line, binding, looks[enabled]) for binding, enabled in keys]
        if palette is not None:
            # The palette's key sits on the right, as in Textual's Footer.
            right = Text(end="")
            right.append("▏", style=dim)
            binding, enabled = palette
            start, end, key = self._key(right, binding, looks[enabled])
            room = self.size.width - right.cell_len
            if line.cell_len > room:
                line.truncate(max(0, room), overflow="ellipsis")
                spans = [span for span in spans if span[1] <= room]
            line.pad_right(room - line.cell_len)
            spans.append((room + start, room + end, key))
            line.append_text(right)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
