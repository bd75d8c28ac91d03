"""Reading the console as the operator does: the text on screen, waited for with a bound."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget


def screen_text(app: App[int]) -> str:
    """What the terminal shows now, as plain text (what the operator reads)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


async def wait_until(
    pilot: Pilot[int], predicate: Callable[[], bool], what: str, timeout: float = 10.0
) -> None:
    """Let the app run until predicate() holds; fail saying what never happened."""
    loop_time = 0.0
    step = 0.02
    while not predicate():
        if loop_time >= timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(step)
        loop_time += step


async def wait_for_text(pilot: Pilot[int], text: str, timeout: float = 10.0) -> str:
    """Wait until ``text`` is on screen; returns the screen."""
    seen = ""

    def shown() -> bool:
        nonlocal seen
        seen = screen_text(pilot.app)
        return text in seen

    try:
        await wait_until(pilot, shown, repr(text), timeout)
    except AssertionError:
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{seen}") from None
    return seen


def widget_text(widget: Widget) -> str:
    """What one widget shows now (its part of the screen), as plain text."""
    region = widget.region
    lines = screen_text(widget.app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)
