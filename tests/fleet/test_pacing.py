"""The sliding windows behind every cap, shared by the fleet's guard and broadcasts."""

from __future__ import annotations

from linda_tui.config.models import Pacing
from linda_tui.fleet.pacing import SendRateGuard, SendWindows


def test_a_message_counts_while_younger_than_the_window() -> None:
    windows = SendWindows([100.0])
    assert windows.count(60, 159.9) == 1
    assert windows.count(60, 160.0) == 0  # exactly a minute later it has left


def test_full_window_names_the_first_full_one_and_when_it_frees() -> None:
    windows = SendWindows([0.0, 10.0, 20.0])
    full = windows.full_window((3, 100, 1000), 30.0)
    assert full is not None
    assert (full.field, full.count, full.limit, full.free_at) == ("per_minute", 3, 3, 60.0)
    assert windows.full_window((4, 100, 1000), 30.0) is None
    assert windows.full_window((None, 3, None), 30.0).field == "per_hour"  # type: ignore[union-attr]


def test_free_at_moves_past_every_full_window() -> None:
    # 5 in the first minute, 20 in the hour: the hour frees later than the minute.
    windows = SendWindows([float(i) for i in range(20)])
    assert windows.free_at((5, 20, 500), 30.0) == 3600.0
    assert windows.free_at((5, 21, 500), 30.0) == 75.0


def test_records_out_of_order_and_old_ones_forgotten() -> None:
    windows = SendWindows()
    for t in (50.0, 10.0, 30.0):
        windows.record(t)
    assert windows.times() == [10.0, 30.0, 50.0]
    for i in range(200):
        windows.record(100_000.0 + i)
    assert windows.count(86400, 100_199.0) == 200
    assert min(windows.times()) >= 100_000.0 - 86400


def test_the_fleet_guard_message_is_unchanged() -> None:
    guard = SendRateGuard()
    for t in (0.0, 1.0):
        guard.record("main", t)
    refusal = guard.refusal("main", Pacing(per_minute=2), 10.0)
    assert refusal == (
        "bot main has sent 2 messages in the last minute (limit 2 per minute, bots.yaml "
        "pacing) — wait 51 s or send from another bot"
    )
    assert guard.refusal("main", Pacing(per_minute=2), 60.0) is None
    assert guard.refusal("other", Pacing(per_minute=2), 10.0) is None
