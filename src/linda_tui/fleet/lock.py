"""One Linda per sessions folder: two processes driving the same WhatsApp sessions
would fight over them (WhatsApp replaces the stream of the older one)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from linda_tui.private_files import ensure_folder, open_private

_PID_FIELD = 32  # bytes of the lock file that hold the holder's pid, space-padded


class AlreadyRunningError(Exception):
    """Another Linda holds the sessions folder."""


class InstanceLock:
    """An advisory lock on ``<sessions_dir>/.linda.lock`` held for the life of the process.

    flock is released by the kernel when the process dies, so a crash never leaves a
    stale lock behind.
    """

    def __init__(self, sessions_dir: Path) -> None:
        self.path = Path(sessions_dir) / ".linda.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunningError("Linda is already running (pid N)").
        Taking a lock this object already holds does nothing. Raises UnsafePathError
        (a ConfigError) when the folder or the lock file is not safe to write."""
        if self._fd is not None:
            return
        # The sessions folder: 0700, and refused if someone else could plant a link in it.
        ensure_folder(self.path.parent, "sessions folder", private=True)
        # Never through a link, a regular file of ours (UnsafePathError otherwise).
        fd = open_private(self.path, os.O_RDWR, "lock file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, _PID_FIELD).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunningError(
                f"Linda is already running (pid {pid}) on {self.path.parent} — "
                "use that console, or stop it first"
            ) from None
        # The pid is written over whatever an earlier holder left, padded, rather than
        # after truncating the file: a truncation waits for the disk to finish writing
        # out the earlier holder's pid (ext4 starts that when a file truncated to nothing
        # is closed), and on a busy disk the console's start was seen waiting a quarter
        # of a second for it.
        os.pwrite(fd, str(os.getpid()).encode().ljust(_PID_FIELD), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
