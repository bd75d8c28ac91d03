"""Reading a file Linda is given: a regular file, read with a size cap, never waiting.

Any path Linda reads (bots.yaml, .env, the Google credentials and token, the demo
network's files, the head of the store) may be a FIFO (opening one waits for a writer,
reading it waits for data), /dev/zero (never ends), a folder, or something huge. Every
file Linda reads goes through ``read_input``, which refuses all of these at once:

- the path is looked at first (stat), so a device or a FIFO is never even opened;
- it is opened with O_NONBLOCK (a FIFO swapped in meanwhile cannot make open wait),
  and ``fstat`` on the open descriptor must say "regular file";
- at most ``limit`` bytes are read: a file that grows while it is read is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from linda_tui.private_files import kind_of
from linda_tui.terminal_text import visible


class InputFileError(Exception):
    """A file Linda cannot read. ``str()`` is ``PATH: reason``; ``kind`` is one of
    "missing", "folder", "special", "too-large", "link", "unreadable"."""

    def __init__(self, path: Path | str, kind: str, reason: str) -> None:
        self.path = Path(path)
        self.kind = kind
        self.reason = reason
        super().__init__(f"{visible(str(path))}: {reason}")

    @property
    def missing(self) -> bool:
        return self.kind == "missing"


def size_text(size: int) -> str:
    """A byte count as people write it: 256 KiB, 1 MiB."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def _refusal(path: Path, info: os.stat_result, limit: int) -> InputFileError | None:
    if stat.S_ISDIR(info.st_mode):
        return InputFileError(path, "folder", "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        return InputFileError(path, "special", f"is {kind_of(info.st_mode)}, not a regular file")
    if info.st_size > limit:
        return InputFileError(path, "too-large", f"is larger than {size_text(limit)}")
    return None


def read_input(path: Path | str, *, limit: int, follow_links: bool = True) -> bytes:
    """The whole content of the regular file at ``path``, at most ``limit`` bytes.

    Raises InputFileError (never blocks, never reads more than ``limit`` + 1 bytes).
    ``follow_links=False`` refuses a symbolic link (for Linda's own private files).
    """
    path = Path(path)
    try:
        info = os.stat(path) if follow_links else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputFileError(path, "missing", "no such file") from None
    except OSError as exc:
        raise InputFileError(path, "unreadable", f"cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise InputFileError(path, "link", "is a symbolic link, which Linda does not follow here")
    refusal = _refusal(path, info, limit)
    if refusal is not None:
        raise refusal
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    if not follow_links:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputFileError(path, "missing", "no such file") from None
    except OSError as exc:
        raise InputFileError(path, "unreadable", f"cannot be read ({exc.strerror})") from None
    try:
        refusal = _refusal(path, os.fstat(fd), limit)  # what was opened, not what was seen
        if refusal is not None:
            raise refusal
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputFileError(path, "unreadable", f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputFileError(path, "too-large", f"is larger than {size_text(limit)}")
    return b"".join(chunks)
