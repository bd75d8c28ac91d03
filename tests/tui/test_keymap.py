"""bots.yaml `keys:` remaps the console's keys by binding id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from linda_tui.tui.screens.pairing import PairingScreen

from .conftest import MakeApp
from .screen_probe import wait_for_text, wait_until


async def test_a_remapped_key_does_the_job_and_the_old_one_no_longer(make_app: MakeApp) -> None:
    app = make_app(keymap={"linda.dashboard.pair": "P"})
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("down")  # demo-sales: not paired
        await pilot.press("p")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, PairingScreen)
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")


def test_config_check_names_an_unknown_binding_with_the_nearest_one(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text(
        "bots:\n  - {id: main, name: Main, phone: '+971501234561', role: primary}\n"
        "keys:\n  linda.dashbord.pair: P\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "linda_tui", "--config", str(tmp_path / "bots.yaml"),
         "--data-dir", str(tmp_path / "data"), "config", "check"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "'linda.dashbord.pair'" in line and "did you mean linda.dashboard.pair?" in line
