"""The console's one rule for text from outside: shown as written, never markup, and
no control character reaches the terminal (each shows as its escape)."""

from __future__ import annotations

import pytest
from rich.text import Text

from linda_tui.terminal_text import control_character
from linda_tui.tui.literal import literal, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Viewing at 5pm, unit 1204", "Viewing at 5pm, unit 1204"),
        ("line one\nline two\ttabbed", "line one\nline two\ttabbed"),  # messages keep lines
        ("windows\r\nline end", "windows\nline end"),
        ("over\rwrite", "over\\x0dwrite"),
        ("\x1b]52;c;SGVsbG8=\x07", "\\x1b]52;c;SGVsbG8=\\x07"),
        ("\x9b2J", "\\x9b2J"),
        ("\u202egnp.exe", "\\u202egnp.exe"),
        ("lone \ud800", "lone \\ud800"),  # a terminal could not even encode it
        ("[/] [@click=app.quit]", "[/] [@click=app.quit]"),  # markup stays text
        ("توقف ‏", "توقف ‏"),  # Arabic and its marks are text
        ("emoji 👍🏽 and ZWJ 👩‍💻", "emoji 👍🏽 and ZWJ 👩‍💻"),
    ],
)
def test_outside_text_is_shown_as_written(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert literal(text).plain == shown
    assert control_character(shown.replace("\n", "").replace("\t", "")) is None


def test_a_literal_is_never_read_as_markup() -> None:
    text = literal("[bold]not bold[/bold] [@click=app.quit]x[/]", style="red")
    assert isinstance(text, Text)
    assert text.plain == "[bold]not bold[/bold] [@click=app.quit]x[/]"
    assert text.spans == [] and str(text.style) == "red"
