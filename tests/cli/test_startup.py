"""The `linda` executable pauses the garbage collector while Linda starts, and only it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from linda_tui import startup
from linda_tui.cli import linda


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Whatever a test does to the collector is undone (frozen objects included)."""
    was_enabled = gc.isenabled()
    yield
    startup._paused = False
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


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
