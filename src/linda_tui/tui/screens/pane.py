"""The base of every top-level pane: the mode bar on top, the key bar below."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen

from linda_tui.tui.selection import CopySafely
from linda_tui.tui.widgets.key_bar import KeyBar
from linda_tui.tui.widgets.mode_bar import ModeBar

if TYPE_CHECKING:
    from textual.app import CSSPathType

    from linda_tui.tui.app import LindaApp


class PaneScreen(CopySafely, Screen[None]):
    """A mode's screen. Subclasses set ``MODE`` and implement ``compose_body``."""

    # Each screen's styles are in the .tcss file(s) named here, next to this module
    # (relative to the module of the class: every screen lives in this folder).
    CSS_PATH: ClassVar[CSSPathType | None] = "pane.tcss"

    MODE: ClassVar[str] = ""

    @property
    def linda(self) -> LindaApp:
        """The app, typed."""
        return cast("LindaApp", self.app)

    def compose(self) -> ComposeResult:
        yield ModeBar(self.MODE, demo=self.linda.demo)
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()
