"""The `linda` executable pauses the garbage collector while Linda starts, and only it."""

from __future__ import annotations

import gc

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
