"""Text from outside Linda (messages, names, reasons, paths) made safe for a terminal.

A terminal obeys control characters: ESC starts a sequence that can move the cursor,
clear the screen, or (OSC 52) write the operator's clipboard; BEL rings; C1 codes such
as U+009B act as ESC [ on some terminals; bidi overrides reorder what the line shows.
``printable`` keeps every other character and turns each control into a visible stand-in,
so the operator sees that something was there and nothing acts on the terminal.
"""

from __future__ import annotations

import re

# C0 controls but tab and line feed, DEL, C1 controls, lone surrogates (a terminal's
# encoder fails on them), and the bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
# Control Pictures (U+2400...) show a C0 control as a glyph one cell wide: ␛ for ESC.
_PICTURE = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
_REPLACEMENT = "\ufffd"


def _stand_in(match: re.Match[str]) -> str:
    return _PICTURE.get(ord(match.group()), _REPLACEMENT)


def printable(text: str) -> str:
    """``text`` with every terminal control shown as a visible stand-in (ESC as ␛, BEL as
    ␇, a lone carriage return as ␍, a C1 control, a bidi override or a lone surrogate as
    �). Line feeds and tabs stay, and so does a CR LF line end, as a line feed."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_stand_in, text)
