"""The collector paused for bulk work, and back as it was after."""

from __future__ import annotations

import gc

import pytest

from linda_tui.bulk import collector_paused


@pytest.fixture(autouse=True)
def _collector_on_after() -> object:
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("bad row")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    """As while the console starts (startup.pause_gc): not turned on behind its back."""
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_nested_pauses_turn_it_on_once_the_outer_one_ends() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
