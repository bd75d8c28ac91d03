"""The fleet-wide broadcast rules, made from bots.yaml in one place.

``broadcast_settings`` turns the ``broadcasts:`` section of bots.yaml (quiet hours,
warm-up) and the fleet's time zone into the ``BroadcastSettings`` that the engine runs
campaigns with and that every plan (the dry run and ``create`` of `linda broadcast`,
the console's broadcast form and its confirm dialog) estimates with, so that what a
dry run promises and what the engine does can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from linda_tui.broadcast.pacing import DEFAULT_WARM_UP, QuietHours, WarmUp, WarmUpStep
from linda_tui.config.models import BroadcastsConfig, FleetConfig

__all__ = ["BroadcastSettings", "broadcast_settings"]


@dataclass(frozen=True)
class BroadcastSettings:
    """The fleet-wide broadcast rules (bots.yaml) and the run's randomness."""

    quiet_hours: QuietHours | None = None
    warm_up: WarmUp | None = DEFAULT_WARM_UP
    demo: bool = False
    seed: int | None = None  # fixes the random pauses (tests, demos)


def _warm_up(config: BroadcastsConfig) -> WarmUp | None:
    if not config.warm_up:
        return None
    return WarmUp(
        tuple(WarmUpStep(step.last_day, step.per_hour, step.per_day) for step in config.warm_up)
    )


def broadcast_settings(
    fleet: FleetConfig, timezone: tzinfo, *, demo: bool, seed: int | None = None
) -> BroadcastSettings:
    """The broadcast rules of this fleet: bots.yaml's quiet hours (in timezone, the
    fleet's LINDA_TIMEZONE) and warm-up. The one place they are read: the engine, the
    dry run, `broadcast create` and the console's form all call it."""
    config = fleet.broadcasts
    hours = config.quiet_hours_range
    return BroadcastSettings(
        quiet_hours=QuietHours(hours[0], hours[1], timezone) if hours is not None else None,
        warm_up=_warm_up(config),
        demo=demo,
        seed=seed,
    )
