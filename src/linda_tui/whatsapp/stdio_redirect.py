"""Keep the Go library's direct writes off the operator's terminal, and in the log.

neonize's Go core writes straight to file descriptors 1 and 2 ("Press Ctrl+C to exit",
"Pair Code: ...", "SendMessage: Error ..."), below Python's ``sys.stdout``. In a
full-screen UI that scribbles over the screen, and in ``linda status --json`` it
corrupts the output. ``redirect_native_stdio`` points descriptors 1 and 2 at two pipes
and moves Python's own streams to duplicates of the original descriptors, so
``print()``, Textual and Rich keep reaching the terminal. A daemon thread reads the
pipes and logs every line through ``logging`` (logger ``linda.native``: INFO for
descriptor 1, WARNING for 2), so native output is redacted, rotated and formatted like
every other log line instead of being appended raw to whatever file was ``linda.log``
when the redirect started.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import os
import re
import select
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from linda_tui.logsetup import (
    LOG_BACKUPS,
    LOG_FORMAT,
    MAX_LOG_BYTES,
    PrivateRotatingFileHandler,
    RedactingFilter,
)

NATIVE_LOGGER = "linda.native"
MAX_LINE_BYTES = 4096  # a longer line is logged as several records, nothing dropped
IDLE_FLUSH_SECONDS = 0.2  # a line without its newline is logged after this much quiet
DRAIN_SECONDS = 10.0  # on exit: longest wait for what is still flowing through the pipes
QUIET_SECONDS = 0.1  # on exit: a pipe this long silent is drained (a child may hold it)
_POLL_SECONDS = 0.5  # the reader looks at its stop flag at least this often
_READ_BYTES = 65536
_PIPE_BYTES = 1024 * 1024  # room for a burst while the reader is busy writing the log

# Textual's driver writes to sys.__stderr__ and measures sys.__stdout__, so the dunder
# streams move too, not only sys.stdout / sys.stderr.
_STREAMS = ("stdout", "stderr", "__stdout__", "__stderr__")
# Logger routes of readers that did not end in time, kept (not undone) on purpose.
_STUCK_ROUTES: list[contextlib.ExitStack] = []

# CSI (colours, cursor moves), OSC (window titles, links) and two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# Whatever control characters remain would garble a terminal that shows the log.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _cut_point(buffer: bytearray, start: int) -> int:
    """Where to end a piece of MAX_LINE_BYTES from ``start``, not inside a UTF-8
    character (the caller guarantees the buffer is longer than that)."""
    cut = start + MAX_LINE_BYTES
    # Step back over continuation bytes (10xxxxxx), at most 3: a character is <= 4 bytes.
    while cut > start + MAX_LINE_BYTES - 3 and (buffer[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut


def split_native_lines(buffer: bytearray, *, final: bool = False) -> list[bytes]:
    """Take the complete lines out of ``buffer`` (without their newlines), leaving a
    partial last line in it; with ``final`` the partial line is taken too. A line
    longer than MAX_LINE_BYTES comes out in pieces of at most that size."""
    lines: list[bytes] = []
    start = 0
    size = len(buffer)
    while start < size:
        end = buffer.find(b"\n", start)
        if end < 0:
            end = size
            if end - start <= MAX_LINE_BYTES and not final:
                break  # wait for the rest of the line
        while end - start > MAX_LINE_BYTES:
            cut = _cut_point(buffer, start)
            lines.append(bytes(buffer[start:cut]))
            start = cut
        if end == size and not final:
            break  # the tail of a long line: wait for the rest of it
        lines.append(bytes(buffer[start:end]))
        start = end + 1
    del buffer[:start]
    return lines


def clean_native_line(raw: bytes) -> str:
    """One line as text fit for the log: UTF-8 (bad bytes replaced), no ANSI escapes
    and no control characters other than tabs, trailing blanks trimmed."""
    text = raw.decode("utf-8", errors="replace")
    return _CONTROL.sub("", _ANSI.sub("", text)).rstrip()


class _NativeOutputReader:
    """A daemon thread that logs what arrives on the read ends of the pipes.

    It owns the read descriptors and closes them when it ends: at end of file on
    every pipe, or, once ``stop`` was called, when the pipes have been quiet for
    QUIET_SECONDS (a child process may still hold a write end) or DRAIN_SECONDS passed.
    It must never die while descriptors 1 and 2 point at its pipes: a full pipe would
    block every native writer, so a line that cannot be logged is dropped instead.
    """

    def __init__(self, levels: dict[int, int], logger: logging.Logger) -> None:
        self._levels = levels  # read descriptor -> logging level
        self._logger = logger
        self._buffers = {fd: bytearray() for fd in levels}
        self._last_data = dict.fromkeys(levels, 0.0)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="linda-native-output", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> bool:
        """Drain what is left, end the thread; False when it did not end in time."""
        self._stopping.set()
        self._thread.join(DRAIN_SECONDS + 2 * _POLL_SECONDS)
        return not self._thread.is_alive()

    def _run(self) -> None:
        poller = select.poll()
        for fd in self._levels:
            poller.register(fd, select.POLLIN)
        open_fds = set(self._levels)
        deadline: float | None = None
        quiet_since = time.monotonic()
        try:
            while open_fds:
                now = time.monotonic()
                if self._stopping.is_set():
                    if deadline is None:
                        deadline = now + DRAIN_SECONDS
                        quiet_since = now
                    if now >= deadline or now - quiet_since >= QUIET_SECONDS:
                        break
                timeout = self._timeout(now, stopping=deadline is not None)
                events = poller.poll(math.ceil(timeout * 1000))
                got_data = False
                for fd, _event in events:
                    try:
                        data = os.read(fd, _READ_BYTES)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if data:
                        got_data = True
                        self._feed(fd, data)
                    else:  # end of file: every write end is closed
                        self._log_lines(fd, final=True)
                        poller.unregister(fd)
                        open_fds.discard(fd)
                if got_data:
                    quiet_since = time.monotonic()
                # A pipe that just had data is not idle, however long logging that took.
                self._flush_idle(time.monotonic(), busy={fd for fd, _event in events})
        finally:
            for fd in self._levels:
                with contextlib.suppress(Exception):
                    self._log_lines(fd, final=True)
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _timeout(self, now: float, *, stopping: bool) -> float:
        """Seconds to wait in poll: until the next idle flush, never past the stop checks."""
        timeout = QUIET_SECONDS if stopping else _POLL_SECONDS
        for fd, buffer in self._buffers.items():
            if buffer:
                timeout = min(timeout, self._last_data[fd] + IDLE_FLUSH_SECONDS - now)
        return max(timeout, 0.0)

    def _feed(self, fd: int, data: bytes) -> None:
        self._buffers[fd] += data
        self._log_lines(fd, final=False)
        # Quiet is counted from when the reader is done with what it read: logging a burst
        # can take longer than IDLE_FLUSH_SECONDS on a loaded machine, and the rest of a
        # line may be waiting in the pipe meanwhile.
        self._last_data[fd] = time.monotonic()

    def _flush_idle(self, now: float, busy: set[int] | frozenset[int] = frozenset()) -> None:
        for fd, buffer in self._buffers.items():
            if buffer and fd not in busy and now - self._last_data[fd] >= IDLE_FLUSH_SECONDS:
                self._log_lines(fd, final=True)

    def _log_lines(self, fd: int, *, final: bool) -> None:
        level = self._levels[fd]
        for raw in split_native_lines(self._buffers[fd], final=final):
            text = clean_native_line(raw)
            if not text:
                continue
            # The reader must outlive a broken handler (see the class docstring).
            with contextlib.suppress(Exception):
                self._logger.log(level, "%s", text)


def _stream_fd(handler: logging.Handler) -> int | None:
    stream = getattr(handler, "stream", None)
    try:
        return stream.fileno() if stream is not None else None
    except (AttributeError, OSError, ValueError):
        return None


def _handlers_reached(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers a record of ``logger`` reaches, following propagation."""
    handlers: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        handlers.extend(current.handlers)
        current = current.parent if current.propagate else None
    return handlers


@contextlib.contextmanager
def _native_log_route(log_path: Path | str) -> Iterator[logging.Logger]:
    """The logger native lines go to, set up so that they reach a private log file.

    Normally (configure_logging ran, no handler writes to descriptors 1 or 2) the
    logger just propagates to the root handlers. Otherwise the logger stops
    propagating for the duration and writes to Linda's file handler, or, when logging
    is not configured, to a private rotating, redacting handler on ``log_path``. Either
    way no native line is written back into descriptors 1 and 2, which would loop.
    """
    logger = logging.getLogger(NATIVE_LOGGER)
    root = logging.getLogger()
    linda_file = next((h for h in root.handlers if h.get_name() == "linda-file"), None)
    loops = any(_stream_fd(h) in (1, 2) for h in _handlers_reached(logger))
    if linda_file is not None and not loops:
        yield logger
        return
    owned: logging.Handler | None = None
    if linda_file is None:
        owned = PrivateRotatingFileHandler(
            log_path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        owned.setFormatter(logging.Formatter(LOG_FORMAT))
        owned.addFilter(RedactingFilter())
        linda_file = owned
    handler = linda_file
    saved_level, saved_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    if owned is not None and logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)  # an unconfigured root would drop INFO lines
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved_propagate
        logger.setLevel(saved_level)
        if owned is not None:
            owned.close()


def _terminal_stream(fd: int, like: TextIO | None, *, write_through: bool) -> TextIO:
    """A text stream on ``fd`` with the encoding and error policy of ``like``."""
    encoding = getattr(like, "encoding", None) or "utf-8"
    errors = getattr(like, "errors", None) or "strict"
    stream = open(  # noqa: SIM115 - closed by redirect_native_stdio
        fd, "w", buffering=1, encoding=encoding, errors=errors, closefd=False
    )
    if write_through:
        stream.reconfigure(write_through=True)
    return stream


def _make_pipe() -> tuple[int, int]:
    """A pipe with a non-blocking read end (the reader polls) and room for bursts."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    with contextlib.suppress(OSError, AttributeError):  # a smaller pipe still works
        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    return read_fd, write_fd


@contextlib.contextmanager
def redirect_native_stdio(log_path: Path | str) -> Iterator[None]:
    """Log everything written to file descriptors 1 and 2 (logger ``linda.native``,
    INFO for 1, WARNING for 2; a line per record, ANSI escapes removed, secrets masked)
    while ``sys.stdout``/``sys.stderr`` (and their ``__dunder__`` originals) keep writing
    to the terminal. Restores everything on exit, after logging what is still buffered.

    The lines go to the root logger's handlers, so they follow configure_logging's
    file through rotation. ``log_path`` is used only when logging is not configured
    (no ``linda-file`` handler): then the lines go to a private rotating file there,
    for the duration. Raises OSError when that file cannot be opened.

    Enter it before the UI starts (Textual picks its output stream when the app is
    built). Child processes inherit descriptors 1 and 2, so what they write while the
    redirect is on is logged too; a child that outlives it gets a closed pipe.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    originals = {name: getattr(sys, name) for name in _STREAMS}
    replacements: list[TextIO] = []
    to_close: list[int] = []  # descriptors this function still owns
    saved: dict[int, int] = {}  # 1 / 2 -> duplicate of the original
    reader: _NativeOutputReader | None = None
    with contextlib.ExitStack() as cleanup:
        logger = cleanup.enter_context(_native_log_route(log_path))
        try:
            out_read, out_write = _make_pipe()
            to_close += [out_read, out_write]
            err_read, err_write = _make_pipe()
            to_close += [err_read, err_write]
            for target in (1, 2):
                saved[target] = os.dup(target)
                to_close.append(saved[target])
            new_out = _terminal_stream(saved[1], originals["stdout"], write_through=False)
            replacements.append(new_out)
            new_err = _terminal_stream(saved[2], originals["stderr"], write_through=True)
            replacements.append(new_err)
            reader = _NativeOutputReader(
                {out_read: logging.INFO, err_read: logging.WARNING}, logger
            )
            reader.start()
            to_close.remove(out_read)  # the reader closes its ends when it ends
            to_close.remove(err_read)
            os.dup2(out_write, 1)
            os.dup2(err_write, 2)
            # Descriptors 1 and 2 are now the only write ends, so restoring them is
            # what tells the reader the pipes are finished.
            for fd in (out_write, err_write):
                to_close.remove(fd)
                os.close(fd)
            sys.stdout = sys.__stdout__ = new_out  # type: ignore[misc,assignment]
            sys.stderr = sys.__stderr__ = new_err  # type: ignore[misc,assignment]
            yield
        finally:
            for stream in replacements:
                with contextlib.suppress(Exception):
                    stream.flush()
            # Put the descriptors back before the original stream objects come back, so
            # nothing written by the originals can reach the pipes.
            for target, duplicate in saved.items():
                os.dup2(duplicate, target)
            for name, stream in originals.items():
                setattr(sys, name, stream)
            for stream in replacements:
                with contextlib.suppress(Exception):
                    stream.close()
            for fd in to_close:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if reader is not None and not reader.stop():
                # Stuck in a log handler: leave its logger route in place rather than
                # close a handler under it (that would wait on the handler's lock).
                _STUCK_ROUTES.append(cleanup.pop_all())
