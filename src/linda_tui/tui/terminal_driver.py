"""Textual's terminal driver, made safe for a terminal that goes away.

When an SSH connection drops (or the terminal or tmux session is closed) the kernel
hangs up the terminal: Linda gets SIGHUP, then SIGCONT, and every later write to the
terminal fails with EIO. Textual 8.2.8's LinuxDriver does not survive that:

- its writer thread dies on the first failed write, so nothing drains its queue any
  more; after 30 more writes (a few frames, or the escape codes of leaving application
  mode) ``write`` blocks the event loop for ever on the full queue, and with it the
  SIGTERM handler and the rest of the shutdown;
- its SIGCONT handler "resumes application mode" on the dead terminal: another writer
  thread, more writes.

``LindaDriver`` writes through ``TerminalOutput``, which drops everything once a write
fails or the app says the terminal is gone: the writer thread keeps draining its queue,
so no write ever blocks, and nothing restarts on SIGCONT. The app calls
``terminal_lost`` from its SIGHUP handler.
"""

from __future__ import annotations

import os
import signal
from typing import IO, Any

from textual.drivers.linux_driver import LinuxDriver


class TerminalOutput:
    """The file the driver's writer thread writes to: the terminal until it is gone,
    then nowhere (every write dropped, none raising or blocking)."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.gone = False

    def write(self, text: str) -> None:
        if self.gone:
            return
        try:
            try:
                self._file.write(text)
            except UnicodeError:
                # A character the terminal's encoding lacks is no reason to stop drawing.
                encoding = getattr(self._file, "encoding", None) or "utf-8"
                self._file.write(text.encode(encoding, "replace").decode(encoding))
        except (OSError, ValueError):  # EIO after a hang-up; ValueError once closed
            self.gone = True

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._file.flush()
        except (OSError, ValueError):
            self.gone = True

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return True


class LindaDriver(LinuxDriver):
    """Textual's LinuxDriver, but a terminal that hangs up never blocks or restarts it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self._file is not None  # LinuxDriver always has its output stream
        self._output = TerminalOutput(self._file)
        self._file = self._output  # type: ignore[assignment]

    @property
    def terminal_gone(self) -> bool:
        """True once the terminal has hung up (or a write to it failed)."""
        return self._output.gone

    def terminal_lost(self) -> None:
        """The terminal is gone (SIGHUP): write nothing to it from now on.
        Safe to call from a signal handler: it only sets a flag."""
        self._output.gone = True

    def write(self, data: str) -> None:
        if self._output.gone:
            return
        super().write(data)

    def start_application_mode(self) -> None:
        # Also what Textual's SIGCONT handler calls (the kernel sends SIGCONT right after
        # SIGHUP): never on a terminal that is gone.
        if self._output.gone:
            return
        super().start_application_mode()

    def close(self) -> None:
        # Stopping the writer thread waits for it to write what is queued: pointless,
        # and possibly endless, on a terminal that is gone. It is a daemon thread.
        if self._output.gone:
            return
        super().close()

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError:
            # Reading a terminal that hung up fails with EIO: that is a hang-up, not a
            # crash to report (Textual would print a traceback to the dead terminal).
            if not self._output.gone:
                self._output.gone = True
                os.kill(os.getpid(), signal.SIGHUP)
