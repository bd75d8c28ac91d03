"""The bottom line of every pane: the keys that work here, and the command palette's."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, RenderResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

# The actions that quit: the key bar always shows one of their keys.
QUIT_ACTIONS = frozenset({"quit", "app.quit"})
# The keys a narrow key bar keeps to the last: how to quit, and the help that lists
# every key the bar has no room for.
KEPT_ACTIONS = QUIT_ACTIONS | {"show_keys", "app.show_keys"}


def _width(keys: list[tuple[Binding, bool]], app: App[object]) -> int:
    """Cells `` key description `` takes for each of keys, as KeyBar._key draws them."""
    return sum(cell_len(f" {app.get_key_display(b)} {b.description} ") for b, _ in keys)


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
        quit_keys: list[tuple[Binding, bool]] = []
        for _node, binding, enabled, _tooltip in active.values():
            if binding.action in QUIT_ACTIONS:
                quit_keys.append((binding, enabled))
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append((binding, enabled))
        if quit_keys and not actions & QUIT_ACTIONS:
            # A text field takes "q" as a letter: say which key quits from here (ctrl+q).
            binding, enabled = quit_keys[0]
            keys.append((Binding(binding.key, binding.action, binding.description), enabled))
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
        right = Text(end="")
        palette_span: tuple[int, int, str] | None = None
        if palette is not None:
            # The palette's key sits on the right, as in Textual's Footer.
            right.append("▏", style=dim)
            binding, enabled = palette
            palette_span = self._key(right, binding, looks[enabled])
        room = self.size.width - right.cell_len
        # Too narrow for every key: the last ones go first, but never the one that quits
        # nor the help (?) that lists the ones left out.
        while keys and _width(keys, self.app) > room:
            droppable = [i for i, (b, _) in enumerate(keys) if b.action not in KEPT_ACTIONS]
            if not droppable:
                break
            del keys[droppable[-1]]
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        spans = [self._key(line, binding, looks[enabled]) for binding, enabled in keys]
        if line.cell_len > room:
            line.truncate(max(0, room), overflow="ellipsis")
            spans = [span for span in spans if span[1] <= room]
        if palette_span is not None:
            line.pad_right(room - line.cell_len)
            start, end, key = palette_span
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
