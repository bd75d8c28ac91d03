"""Broadcasts: its own issue fills it; until then it says what will be there and shows
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


class BroadcastsScreen(PaneScreen):
    MODE = "broadcasts"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="pane-body"):
            yield _coming(
                "Broadcasts",
                [
                    "send one text to many contacts, from one bot, auto-routed or all bots",
                    "pace every bot within WhatsApp's safe limits (30–60 s apart, hourly caps)",
                    "skip opted-out numbers and repeats of the same text within 24 h",
                    "pause, resume after a crash, and show each recipient's status live",
                ],
            )
