"""The console turns the garbage collector back on once its first frame is drawn."""

from __future__ import annotations

import gc

from linda_tui import startup

from .conftest import MakeApp
from .screen_probe import wait_for_text


async def test_the_collector_is_back_on_and_start_up_is_frozen_once_on_screen(
    make_app: MakeApp, collector_restored: None
) -> None:
    startup.pause_gc()  # as the `linda` executable does
    app = make_app(on_first_frame=startup.resume_gc)  # as run_console is told by the CLI
    assert not gc.isenabled()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        assert gc.isenabled()
        # What start-up made is out of later collections' way.
        assert gc.get_freeze_count() > 0
