"""The `linda` executable: the garbage collector waits until Linda has started.

Starting Linda allocates a few hundred thousand objects that live as long as the
process (modules, classes, the console's styles and widgets), and nothing of it is
garbage. Python's collector, left on, walks them again and again while they are being
made: measured, that was a quarter of the console's time to its first complete screen.
So the executable turns the collector off, and whoever finishes starting turns it back
on (`resume_gc`): the console once its first frame is drawn, a command before it runs.
What was made by then is frozen (`gc.freeze`): later collections skip it, which also
keeps their pauses short while the console runs.

Only the executable pauses the collector; importing Linda (tests, a library user)
changes nothing, and `resume_gc` is then a no-op.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

_paused = False


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `linda` console script: ``linda_tui.cli.main`` with the
    collector paused while Linda starts.

    ctrl+c at any moment ends Linda with `linda: interrupted` and status 130, never a
    traceback: while it imports and once the command is over (interpreter shutdown)
    nothing is left to undo, so the process just leaves; while the command runs, ctrl+c
    is the command's (KeyboardInterrupt: it stops what it does, then says so)."""
    catching = signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # `linda ... &`
    if catching:
        signal.signal(signal.SIGINT, _leave_interrupted)
    try:
        pause_gc()
        from linda_tui.cli import main as cli_main

        if catching:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        cli_main(argv)
    except KeyboardInterrupt:  # between the command's own handling and its exit
        _leave_interrupted()
    finally:
        if catching:
            signal.signal(signal.SIGINT, _leave_interrupted)
    raise AssertionError("unreachable: cli.main always exits")  # pragma: no cover


def _leave_interrupted(_signum: int | None = None, _frame: FrameType | None = None) -> NoReturn:
    """Leave at once with the one line and status 130 (output so far is flushed)."""
    try:
        sys.stdout.flush()
        os.write(2, b"linda: interrupted\n")
    except Exception:  # a closed pipe: leaving is all that is left to do
        pass
    os._exit(130)


def pause_gc() -> None:
    """Turn the collector off until `resume_gc` (if it is on at all)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_gc() -> None:
    """Start-up is over: freeze what it made and turn the collector back on. Idempotent;
    a no-op unless `main` paused the collector."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
