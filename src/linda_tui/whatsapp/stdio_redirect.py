"""Keep the Go library's direct writes off the operator's terminal.

neonize's Go core writes straight to file descriptors 1 and 2 ("Press Ctrl+C to exit",
"Pair Code: ...", "SendMessage: Error ..."), below Python's ``sys.stdout``. In a
full-screen UI that scribbles over the screen, and in ``linda status --json`` it
corrupts the output. ``redirect_native_stdio`` points descriptors 1 and 2 at the log
file and moves Python's own streams to duplicates of the original descriptors, so
``print()``, Textual and Rich keep reaching the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

# Textual's driver writes to sys.__stderr__ and measures sys.__stdout__, so the dunder
# streams move too, not only sys.stdout / sys.stderr.
_STREAMS = ("stdout", "stderr", "__stdout__", "__stderr__")


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


@contextlib.contextmanager
def redirect_native_stdio(log_path: Path | str) -> Iterator[None]:
    """Send everything written to file descriptors 1 and 2 to ``log_path`` (appended,
    created 0600) while ``sys.stdout``/``sys.stderr`` (and their ``__dunder__``
    originals) keep writing to the terminal. Restores everything on exit.

    Enter it before the UI starts (Textual picks its output stream when the app is
    built). Child processes inherit descriptors 1 and 2, so their output lands in the
    log as well.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    log_fd = os.open(str(log_path), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    saved_out = saved_err = -1
    originals = {name: getattr(sys, name) for name in _STREAMS}
    replacements: list[TextIO] = []
    try:
        saved_out = os.dup(1)
        saved_err = os.dup(2)
        new_out = _terminal_stream(saved_out, originals["stdout"], write_through=False)
        new_err = _terminal_stream(saved_err, originals["stderr"], write_through=True)
        replacements = [new_out, new_err]
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        sys.stdout = sys.__stdout__ = new_out
        sys.stderr = sys.__stderr__ = new_err
        yield
    finally:
        for stream in replacements:
            with contextlib.suppress(Exception):
                stream.flush()
        # Put the descriptors back before the original stream objects come back, so
        # nothing written by the originals can reach the log.
        if saved_out >= 0:
            os.dup2(saved_out, 1)
        if saved_err >= 0:
            os.dup2(saved_err, 2)
        for name, stream in originals.items():
            setattr(sys, name, stream)
        for stream in replacements:
            with contextlib.suppress(Exception):
                stream.close()
        for fd in (saved_out, saved_err, log_fd):
            if fd >= 0:
                os.close(fd)
