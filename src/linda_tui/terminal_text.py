"""Text from outside Linda (file names, paths, file contents) made safe to print on a terminal.

A path can hold any byte but "/" and NUL: an escape sequence in a folder's name would
otherwise be played by the operator's terminal (OSC 52 writes the clipboard).
"""

from __future__ import annotations

import re

# C0 and C1 control characters and DEL; the Unicode bidi overrides too, which reorder
# what is shown.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with every control character written as a visible escape (``\\x1b``)."""
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], str(text))
