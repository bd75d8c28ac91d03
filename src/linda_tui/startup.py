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
from collections.abc import Sequence
from typing import NoReturn

_paused = False


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `linda` console script: ``linda_tui.cli.main`` with the
    collector paused while Linda starts."""
    pause_gc()
    from linda_tui.cli import main as cli_main

    cli_main(argv)


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
