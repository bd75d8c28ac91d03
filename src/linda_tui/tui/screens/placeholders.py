"""Contacts: its own issue fills it; until then it says what will be there and shows
nothing invented."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from linda_tui.tui.screens.pane import PaneScreen


def _coming(title: str, lines: list[str]) -> Static:
    text = Text()
    text.append(f"{title}\n\n", style="bold")
    text.append("Not available yet. This pane will:\n\n")
    for line in lines:
        text.append(f"  • {line}\n")
    return Static(text, classes="coming")


class ContactsScreen(PaneScreen):
    MODE = "contacts"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="pane-body"):
            yield _coming(
                "Contacts",
                [
                    "search the Google Contacts kept in sync (every 6 hours, or now on demand)",
                    "show which bot owns each number and its sync status",
                    "look a contact up by phone and send to it from Compose",
                    "show the sync's progress and its last error",
                ],
            )
