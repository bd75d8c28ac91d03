"""Where the host's socket lives, and how to reach it whatever the folder's length.

A Unix socket's address is limited to about 108 bytes; a sessions folder can be deeper
than that. A longer path is reached through a descriptor of its folder
(``/proc/self/fd/N/linda.sock``), which the kernel resolves for bind and connect alike.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

# Longest address used as it is (sun_path holds 108 bytes with its terminating NUL).
_DIRECT_LIMIT = 100


class SocketInTheWayError(Exception):
    """Something that is not a socket sits where the host's socket belongs."""


class SocketPath:
    """The socket ``name`` in ``folder``."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / name
        self._name = name
        self._dir_fd: int | None = None

    def address(self) -> str:
        """What to bind or connect to."""
        direct = str(self.path)
        if len(os.fsencode(direct)) <= _DIRECT_LIMIT:
            return direct
        if self._dir_fd is None:
            self._dir_fd = os.open(self.folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        return f"/proc/self/fd/{self._dir_fd}/{self._name}"

    def exists(self) -> bool:
        """True when a socket (not a file or a link) is at the path."""
        try:
            return stat.S_ISSOCK(os.lstat(self.path).st_mode)
        except OSError:
            return False

    def remove_stale(self) -> None:
        """Remove a socket left behind by a host that died (the caller holds the instance
        lock, so no live host owns it); refuse anything else in the way."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(info.st_mode):
            raise SocketInTheWayError(
                f"{self.path} is in the way of Linda's socket and is not one — move it away"
            )
        os.unlink(self.path)

    def unlink(self) -> None:
        """Remove the socket if it is one (never a file someone put there)."""
        if self.exists():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    def release(self) -> None:
        """Close the folder's descriptor, if one was opened."""
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None
