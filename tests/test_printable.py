"""Outside text made safe for a terminal: every control shows, nothing acts."""

from __future__ import annotations

import pytest

from linda_tui.printable import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Viewing at 5pm, unit 1204", "Viewing at 5pm, unit 1204"),
        ("line one\nline two\ttabbed", "line one\nline two\ttabbed"),
        ("windows\r\nline end", "windows\nline end"),
        ("over\rwrite", "over␍write"),
        ("\x1b]52;c;SGVsbG8=\x07", "␛]52;c;SGVsbG8=␇"),
        ("\x1b]52;c;SGVsbG8=\x1b\\", "␛]52;c;SGVsbG8=␛\\"),
        ("\x1b[2J", "␛[2J"),
        ("\x9b2J", "\ufffd2J"),
        ("nul\x00 del\x7f bs\x08", "nul␀ del␡ bs␈"),
        ("\u202egnp.exe\u202c", "\ufffdgnp.exe\ufffd"),
        ("\u2066isolate\u2069", "\ufffdisolate\ufffd"),
        ("lone \ud800", "lone \ufffd"),
        ("[/] [@click=app.quit]", "[/] [@click=app.quit]"),  # markup is not its concern
        ("توقف", "توقف"),  # Arabic, right to left, is text
        ("emoji 👍🏽 and ZWJ 👩‍💻", "emoji 👍🏽 and ZWJ 👩‍💻"),
    ],
)
def test_controls_become_visible_and_text_stays(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_nothing_left_can_drive_a_terminal() -> None:
    every_code_point = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    out = printable(every_code_point + "\ud800\udfff")
    assert not any(0x00 <= ord(ch) < 0x20 and ch not in "\n\t" for ch in out)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in out)
    assert not any(0xD800 <= ord(ch) < 0xE000 for ch in out)
