"""The reconnect back-off: doubling, capped, jittered, reset after a connection."""

from __future__ import annotations

import random

import pytest

from linda_tui.whatsapp.backoff import ExponentialBackoff


def test_delays_double_up_to_the_cap() -> None:
    backoff = ExponentialBackoff(initial=2.0, cap=60.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(8)] == [2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff.attempts == 8


def test_reset_starts_over() -> None:
    backoff = ExponentialBackoff(initial=2.0, cap=60.0, jitter=0.0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.next_delay() == 2.0


def test_jitter_scatters_within_bounds_and_never_passes_the_cap() -> None:
    backoff = ExponentialBackoff(initial=2.0, cap=60.0, jitter=0.2, rng=random.Random(7))
    first = [
        ExponentialBackoff(jitter=0.2, rng=random.Random(seed)).next_delay() for seed in range(50)
    ]
    assert all(1.6 <= d <= 2.4 for d in first)
    assert len(set(first)) > 40  # a fleet that went offline together does not retry together
    delays = [backoff.next_delay() for _ in range(40)]
    assert max(delays) <= 60.0
    assert delays[-1] >= 48.0  # capped region: 60 s minus at most 20 %


def test_a_long_outage_does_not_overflow() -> None:
    backoff = ExponentialBackoff(initial=2.0, cap=60.0, jitter=0.0)
    for _ in range(5000):
        delay = backoff.next_delay()
    assert delay == 60.0


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"initial": 10, "cap": 5}, {"factor": 0.5}, {"jitter": 1.0}, {"jitter": -0.1}],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="back-off"):
        ExponentialBackoff(**kwargs)
