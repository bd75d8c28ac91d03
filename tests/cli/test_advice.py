"""Advice Linda prints names `linda …` commands with the global options the operator
used (--demo, --data-dir, --config), so that following it reaches the same fleet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from linda_tui.cli.context import LindaContext, with_global_options
from linda_tui.host.client import FLEET_STOPPED


def linda(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linda_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_every_command_named_gets_the_options_even_plain_linda(tmp_path: Path) -> None:
    demo = LindaContext(config_path=Path("bots.yaml"), data_dir=tmp_path, demo=True)
    assert with_global_options(FLEET_STOPPED, demo) == (
        "the Linda hosting the fleet stopped (every bot is offline) — start it again with "
        f"`linda --demo --data-dir {tmp_path}` or `linda --demo --data-dir {tmp_path} serve`"
    )
    other = LindaContext(config_path=Path("/etc/linda/bots.yaml"), data_dir=None, demo=False)
    assert with_global_options("run `linda pair agent-sara` then `linda`", other) == (
        "run `linda --config /etc/linda/bots.yaml pair agent-sara` then "
        "`linda --config /etc/linda/bots.yaml`"
    )
    # Already complete, or not a command: unchanged.
    done = f"`linda --demo --data-dir {tmp_path} status`"
    assert with_global_options(done, demo) == done
    assert with_global_options("lindas `linda_tui` linda status", demo) == (
        "lindas `linda_tui` linda status"
    )


def test_errors_and_hints_of_commands_keep_the_options(tmp_path: Path) -> None:
    data = tmp_path / "data"
    got = linda("--demo", "--data-dir", str(data), "contacts", "get", "+971500000000")
    assert got.returncode == 1
    assert got.stderr.strip() == (
        f"linda: no contact has +971500000000 — `linda --demo --data-dir {data} sync` "
        "brings Google's in"
    )
    listed = linda("--demo", "--data-dir", str(data), "broadcast", "list")
    assert listed.stdout.strip() == (
        f"No campaigns yet — `linda --demo --data-dir {data} broadcast create` makes one."
    )
