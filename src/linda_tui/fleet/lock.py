"""One Linda per sessions folder: two processes driving the same WhatsApp sessions
would fight over them (WhatsApp replaces the stream of the older one)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from linda_tui.private_files import ensure_folder, open_private

_PID_FIELD = 32  # the lock file's first line: the holder's pid, space-padded
# Then, on the second line, what holds it ("the console", "`linda pair`"), after a mark saying whether it
# hosts (answers on the socket) or only holds the fleet for one command.
_HOLDER_FIELD = 224
_HOSTS, _HOLDS = "h:", "c:"


class AlreadyRunningError(Exception):
    """Another Linda holds the sessions folder."""


class InstanceLock:
    """An advisory lock on ``<sessions_dir>/.linda.lock`` held for the life of the process.

    flock is released by the kernel when the process dies, so a crash never leaves a
    stale lock behind.
    """

    def __init__(self, sessions_dir: Path, holder: str = "", *, hosts: bool = False) -> None:
        self.path = Path(sessions_dir) / ".linda.lock"
        # What this process is, for the refusal another Linda prints: "the console",
        # "`linda serve`", "`linda pair`"; and whether it answers on the socket.
        self.holder = holder
        self.hosts = hosts
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
            written = os.read(fd, _PID_FIELD + _HOLDER_FIELD).decode(errors="replace")
            os.close(fd)
            raise AlreadyRunningError(_refusal(self.path.parent, written)) from None
        # The pid is written over whatever an earlier holder left, padded, rather than
        # after truncating the file: a truncation waits for the disk to finish writing
        # out the earlier holder's pid (ext4 starts that when a file truncated to nothing
        # is closed), and on a busy disk the console's start was seen waiting a quarter
        # of a second for it.
        mark = _HOSTS if self.hosts else _HOLDS
        line = " ".join((mark + self.holder).split())  # one line, whatever a path holds
        holder = line.encode()[:_HOLDER_FIELD].ljust(_HOLDER_FIELD)
        # Line 1 the pid (what tools read), line 2 the holder.
        pid = str(os.getpid()).encode().ljust(_PID_FIELD - 1) + b"\n"
        os.pwrite(fd, pid + holder, 0)
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


def _refusal(folder: Path, written: str) -> str:
    """The one line for a Linda refused the lock: who holds it (as its holder wrote it)
    and what to do, true for a console, `linda serve` or a command alike."""
    pid = written[:_PID_FIELD].strip() or "unknown"
    recorded = written[_PID_FIELD:].strip()
    mark, holder = recorded[:2], recorded[2:].strip()
    where = f"Linda is already running (pid {pid}) on {folder}"
    if mark == _HOSTS and holder:
        return (
            f"{where}: {holder}, which hosts the fleet (commands and consoles go through it "
            "once it is up) — try again in a moment, or stop it first to run this here"
        )
    if mark == _HOLDS and holder:
        return (
            f"{where}: {holder}, which holds the fleet until it ends — try again once it "
            "has ended, or stop it first"
        )
    return f"{where} — try again once it has ended, or stop it first"
