"""A yes/no question before anything that cannot be undone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.widgets._toast import ToastRack

from linda_tui.tui.literal import literal
from linda_tui.tui.selection import CopySafely


class ConfirmScreen(CopySafely, ModalScreen[bool]):
    """Asks ``question``; dismisses True only when the operator confirms.
    The safe answer has the focus, so a stray Enter changes nothing. The title and the
    question are plain text (they name bots and numbers), never markup."""

    CSS_PATH = "confirm.tcss"

    BINDINGS = [
        # "Go back", not "Cancel": next to "Cancel campaign (y)" a "Cancel (n)" reads as
        # the same answer.
        Binding("escape,n", "answer(False)", "Go back", id="linda.confirm.cancel"),
        Binding("y", "answer(True)", "Yes", id="linda.confirm.yes"),
    ]

    def __init__(self, title: str, question: str, confirm_label: str) -> None:
        super().__init__(classes="confirm")
        self._title = title
        self._question = question
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(literal(self._title), id="confirm-title")
            yield Static(literal(self._question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self._confirm_label} (y)", variant="error", id="confirm-yes")
                yield Button("Go back (n)", variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()
        # No toast over the question (at 80x24 a "Campaign started" toast hid its
        # buttons): without a toast rack the toasts wait for the pane underneath.
        for rack in self.query(ToastRack):
            rack.remove()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
