"""The `linda` executable pauses the garbage collector while Linda starts, and only it."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from linda_tui import startup
from linda_tui.cli import linda


def test_importing_and_running_commands_leave_the_collector_alone(
    collector_restored: None,
) -> None:
    # Tests and library users import Linda: its start-up rule is not theirs.
    assert gc.isenabled()
    result = CliRunner().invoke(linda, ["--demo", "config", "check"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    gc.disable()
    startup.resume_gc()  # not paused by Linda: stays as the caller set it
    assert not gc.isenabled()


def test_a_command_turns_the_collector_back_on_before_it_runs(
    collector_restored: None,
) -> None:
    startup.pause_gc()
    assert not gc.isenabled()
    seen: list[bool] = []

    @linda.command("probe-collector", hidden=True)
    def probe() -> None:
        seen.append(gc.isenabled())

    try:
        result = CliRunner().invoke(linda, ["--demo", "probe-collector"])
    finally:
        linda.commands.pop("probe-collector")
    assert result.exit_code == 0, result.output
    assert seen == [True]
    assert gc.isenabled()


# Moments (seconds after the process starts) covering its imports, the configuration and
# logging set-up, and the command's own run (the break report saw tracebacks from 0.3 s
# to 1.2 s on a loaded machine). The interpreter's own start (the first few tens of ms)
# is Python's, before any of Linda runs.
INTERRUPT_AFTER = (0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3, 1.8)


@pytest.mark.parametrize("delay", INTERRUPT_AFTER)
def test_ctrl_c_at_any_moment_of_start_up_is_one_line_and_130(tmp_path: Path, delay: float) -> None:
    # The executable operators run (the console script), as the break report did.
    executable = Path(sys.executable).with_name("linda")
    proc = subprocess.Popen(
        # pair waits for a scan that never comes: still running when the signal lands.
        [str(executable), "--demo", "--data-dir", str(tmp_path), "pair", "demo-sales"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    time.sleep(delay)
    assert proc.poll() is None, "ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if "Traceback" in err and "linda_tui" not in err:
        # On a loaded machine the signal can land while the interpreter itself is still
        # starting, before the first line of Linda: Python's to answer, not Linda's.
        pytest.skip("interrupted before any of Linda ran")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert err.strip().splitlines()[-1] == "linda: interrupted", err
