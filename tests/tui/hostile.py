"""Hostile text for the console's tests: Textual/Rich markup and terminal controls, as a
WhatsApp contact, a bots.yaml, a contact list or a server reply can carry them."""

from __future__ import annotations

import io
import re

from rich.console import Console
from textual.app import App

from linda_tui.tui.literal import printable

# Markup Textual or Rich would read: errors, styles, actions, links, variables, emoji.
MARKUP = (
    "[/]",
    "[bold]not bold[/bold]",
    "[@click=app.quit]click me[/]",
    "[@click=screen.dismiss(True)]ok[/]",
    "[link='https://evil.example']link[/link]",
    "[red",
    "text [/red]",
    "[$accent]variable[/]",
    "$accent and $text",
    "\\[/]",
    "[b][i]nested[/b]",
    ":smile: :warning:",
)
# Terminal controls: OSC 52 (writes the clipboard, both terminators), screen clearing,
# colours, an 8-bit CSI, bell, backspaces, a carriage return, a bidi override, NUL, DEL.
CONTROLS = (
    "\x1b]52;c;SGVsbG8=\x07",
    "\x1b]52;c;SGVsbG8=\x1b\\",
    "\x1b[2J\x1b[Hcleared",
    "\x1b[31mred\x1b[0m",
    "\x9b2Jcsi",
    "\x07bell",
    "abc\x08\x08\x08xyz",
    "over\rwrite",
    "\u202egnp.exe\u202c",
    "nul\x00byte",
    "del\x7fete",
)
# Text that cannot even be encoded for a terminal (a lone surrogate, as json.loads makes
# from "\\ud800"). Only for texts that are not stored (SQLite refuses to store it).
UNENCODABLE = ("lone \ud800 surrogate",)

STORABLE = MARKUP + CONTROLS
EVERY = STORABLE + UNENCODABLE

# What must never reach the terminal from outside text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: str) -> str:
    """How the console shows ``text``: every character, controls as visible stand-ins."""
    return printable(text)


def drawn(app: App[int]) -> str:
    """Every character the console would write to the terminal for the screen now
    (escape sequences of its own excluded)."""
    console = Console(width=app.size.width, file=io.StringIO(), force_terminal=True)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return "".join(segment.text for segment in console.render(update) if not segment.control)


def assert_no_control(app: App[int]) -> None:
    """Nothing on screen is a terminal control (line feeds aside)."""
    text = drawn(app).replace("\n", "")
    found = _CONTROL.search(text)
    assert found is None, f"a control character {found.group()!r} reaches the terminal"
