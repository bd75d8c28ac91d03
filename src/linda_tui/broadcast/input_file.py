"""Reading a file the operator names (a CSV, a list of numbers, a template) safely.

The file is opened without blocking (a FIFO would otherwise wait for a writer for
ever), checked with ``os.fstat`` to be a regular file (``/dev/zero`` never ends),
and read with a size cap. Every problem is one ``InputFileError`` line saying
what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from linda_tui.input_files import InputFileError as ReadRefused
from linda_tui.input_files import read_input
from linda_tui.terminal_text import visible

__all__ = ["InputFileError", "printable", "quoted", "read_input_text"]


class InputFileError(ValueError):
    """An input file that cannot be used; the message is one line with the fix."""


def printable(text: str) -> str:
    """text with control characters shown as escapes (see terminal_text.visible)."""
    return visible(text)


def quoted(text: str) -> str:
    """text in single quotes for a message, control characters escaped once
    (``'na\\x1b]52'``; ``repr`` of the escaped text would double each backslash)."""
    return f"'{visible(text)}'"


# What to tell the operator for each way core reading refuses a file.
_FIXES = {
    "missing": "check the path",
    "folder": "pass {what}",
    "special": "pass {what}",
    "link": "pass {what}",
    "too-large": "split it into smaller files",
    "unreadable": "check the file and its permissions",
}
_SAVE_AS_UTF8 = {"csv": " (in Excel: Save As, 'CSV UTF-8')"}


def read_input_text(
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    what: str,
    too_large: str | None = None,
    kind: str = "",
) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped), or InputFileError.

    The bytes are read as every input file is (``input_files.read_input``: a regular
    file, never waiting, at most max_bytes). what names the file in the fix ("a CSV
    file", "a file of phone numbers"); too_large is the fix for a file over max_bytes
    (default: split it); kind "csv" adds how Excel saves UTF-8. Empty (or blank) files
    are refused too: there is nothing to use in one.
    """
    shown = printable(str(path))
    try:
        data = read_input(Path(path), limit=max_bytes)
    except ReadRefused as exc:
        fix = (too_large if exc.kind == "too-large" and too_large else None) or _FIXES.get(
            exc.kind, "check the file"
        ).format(what=what)
        raise InputFileError(f"{shown}: {exc.reason} — {fix}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        encoding = (
            " (it looks like UTF-16)"
            if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            else ""
        )
        raise InputFileError(
            f"{shown}:{line}: the file is not UTF-8 text{encoding} (byte 0x{data[exc.start]:02x}) "
            f"— save it as UTF-8{_SAVE_AS_UTF8.get(kind, '')}"
        ) from None
    if not text.strip():
        raise InputFileError(f"{shown}: the file is empty — pass {what}")
    return text
