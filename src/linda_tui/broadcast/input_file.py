"""Reading a file the operator names (a CSV, a list of numbers, a template) safely.

The file is opened without blocking (a FIFO would otherwise wait for a writer for
ever), checked with ``os.fstat`` to be a regular file (``/dev/zero`` never ends),
and read with a size cap. Every problem is one ``InputFileError`` line saying
what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

__all__ = ["InputFileError", "printable", "read_input_text"]


class InputFileError(ValueError):
    """An input file that cannot be used; the message is one line with the fix."""


def printable(text: str) -> str:
    """text with control characters shown as escapes: a path or a cell quoted in an
    error message can never move the cursor or write to the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MiB"
    return f"{count / 1024:.0f} KiB"


def read_input_text(path: str | os.PathLike[str], *, max_bytes: int, what: str) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped), or InputFileError.

    what names the file in the fix ("a CSV file", "a file of phone numbers").
    Empty (or blank) files are refused too: there is nothing to use in one.
    """
    shown = printable(str(path))
    try:
        # O_NONBLOCK: opening a FIFO for reading would wait for a writer.
        fd = os.open(Path(path), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputFileError(f"{shown}: no such file — check the path") from None
    except IsADirectoryError:
        raise InputFileError(f"{shown}: is a folder — pass {what}") from None
    except OSError as exc:
        raise InputFileError(
            f"{shown}: cannot open it ({exc.strerror or exc}) — check the path and its permissions"
        ) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(f"{shown}: is a folder — pass {what}")
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                f"{shown}: is not a regular file (a pipe or a device) — pass {what}"
            )
        too_big = InputFileError(
            f"{shown}: is larger than {_size(max_bytes)}, the most Linda reads — "
            "split it into smaller files"
        )
        if info.st_size > max_bytes:
            raise too_big
        chunks: list[bytes] = []
        total = 0
        # Read to the cap plus one byte whatever st_size said: the file may be growing.
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise too_big
    except OSError as exc:
        raise InputFileError(
            f"{shown}: cannot read it ({exc.strerror or exc}) — check the file"
        ) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
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
            "— save it as UTF-8 (in Excel: Save As, 'CSV UTF-8')"
        ) from None
    if not text.strip():
        raise InputFileError(f"{shown}: the file is empty — pass {what}")
    return text
