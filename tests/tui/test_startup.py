"""The console turns the garbage collector back on once its first frame is drawn."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

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


# What the console's first frame shows none of: loaded after it, or when first used.
LOADED_LATER = (
    "googleapiclient",
    "apscheduler",
    "cryptography",
    "qrcode",
    "pyperclip",
    "linda_tui.broadcast.engine",
    "linda_tui.contacts.service",
    "linda_tui.contacts.sync",
    "linda_tui.contacts.search",
    "linda_tui.host.client",
    "linda_tui.host.remote",
    "linda_tui.cli.broadcast_cmd",
    "linda_tui.cli.fleet_cmds",
    "linda_tui.cli.contacts_cmd",
    "linda_tui.tui.screens.compose",
    "linda_tui.tui.screens.broadcasts",
    "linda_tui.tui.screens.contacts",
    "linda_tui.tui.screens.pairing",
)

# `linda --demo` as typed, headless, recording what is loaded when the first frame is
# drawn, and whether the broadcasts and the contacts sync still start by themselves.
CONSOLE_UP_TO_FIRST_FRAME = """
import asyncio, functools, json, sys
import linda_tui.cli.root as root
from linda_tui import startup
from linda_tui.tui.app import LindaApp

at_first_frame = []
root.has_terminal = lambda: True
root.resume_gc = lambda: at_first_frame.extend(m for m in LATER if m in sys.modules)

async def pilot_run(pilot):
    app = pilot.app
    while app.services.contacts is None or app.services.broadcasts is None:
        await asyncio.sleep(0.02)
    print(json.dumps({"at_first_frame": at_first_frame,
                      "socket": app.host is not None and app.host.path.exists()}), flush=True)
    app.exit()

LindaApp.run = functools.partialmethod(LindaApp.run, headless=True, size=(100, 32),
                                       auto_pilot=pilot_run)
startup.main(["--demo", "--data-dir", sys.argv[1]])
"""


def test_the_console_draws_its_first_frame_before_loading_what_it_does_not_show(
    tmp_path: Path,
) -> None:
    """Start-up budget: the Google client, the scheduler, the broadcast engine, the other
    panes and the other commands load after the first frame (or when first used); the
    broadcasts and the sync still start by themselves, and the socket listens."""
    code = f"LATER = {LOADED_LATER!r}\n" + CONSOLE_UP_TO_FIRST_FRAME
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,  # only stops a hung run; not a speed assertion
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen == {"at_first_frame": [], "socket": True}
