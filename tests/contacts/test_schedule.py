"""The schedule: APScheduler's AsyncIOScheduler in the running loop, coalesced, one run at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from linda_tui.config.models import ContactsConfig
from linda_tui.contacts.fake_people_api import FakePeopleApi
from linda_tui.contacts.schedule import SyncSchedule, first_run_time, make_trigger
from linda_tui.contacts.sync import ContactsSync, SyncResult
from linda_tui.store import Store

from .conftest import BOOK_SIZE

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
DUBAI = ZoneInfo("Asia/Dubai")


def fires(trigger: object, start: datetime, count: int) -> list[datetime]:
    """The trigger's next ``count`` fire times from ``start``: a clock the test sets."""
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)  # type: ignore[attr-defined]
        times.append(fire)
        previous, now = fire, fire
    return times


def test_every_six_hours_by_default() -> None:
    trigger = make_trigger(ContactsConfig(), UTC)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == timedelta(hours=6)
    start = trigger.start_date
    assert [t - start for t in fires(trigger, start, 3)] == [timedelta(hours=h) for h in (0, 6, 12)]


def test_an_interval_from_bots_yaml() -> None:
    trigger = make_trigger(ContactsConfig(sync_every="90m"), UTC)
    assert isinstance(trigger, IntervalTrigger) and trigger.interval == timedelta(minutes=90)


def test_a_cron_expression_runs_in_the_operators_time_zone() -> None:
    trigger = make_trigger(ContactsConfig(sync_cron="0 */6 * * *"), DUBAI)
    assert isinstance(trigger, CronTrigger)
    # 09:00 UTC is 13:00 in Dubai: the next runs are 18:00 and 00:00 Dubai time.
    assert [t.astimezone(UTC) for t in fires(trigger, T0, 3)] == [
        datetime(2026, 1, 15, 14, 0, tzinfo=UTC),
        datetime(2026, 1, 15, 20, 0, tzinfo=UTC),
        datetime(2026, 1, 16, 2, 0, tzinfo=UTC),
    ]


def test_no_schedule_when_syncs_are_only_on_demand() -> None:
    assert make_trigger(ContactsConfig(sync_every="off"), UTC) is None


def test_the_first_run_after_start_up_catches_up_or_waits() -> None:
    config = ContactsConfig()
    assert first_run_time(None, config, T0) == T0 + timedelta(seconds=10)
    assert first_run_time(T0 - timedelta(hours=7), config, T0) == T0 + timedelta(seconds=10)
    assert first_run_time(T0 - timedelta(hours=1), config, T0) == T0 + timedelta(hours=5)
    assert first_run_time(None, ContactsConfig(sync_cron="0 * * * *"), T0) is None
    assert first_run_time(None, ContactsConfig(sync_every="off"), T0) is None


class Runs:
    """A run function that records how many run at once."""

    def __init__(self, duration: float = 0.0, fail: bool = False) -> None:
        self.duration = duration
        self.fail = fail
        self.started = 0
        self.finished = 0
        self.active = 0
        self.most_at_once = 0

    async def __call__(self) -> None:
        self.started += 1
        self.active += 1
        self.most_at_once = max(self.most_at_once, self.active)
        try:
            await asyncio.sleep(self.duration)
            if self.fail:
                raise RuntimeError("Google said no")
        finally:
            self.active -= 1
            self.finished += 1


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_runs_on_its_interval_inside_the_running_loop() -> None:
    runs = Runs()
    schedule = SyncSchedule(runs, IntervalTrigger(seconds=0.2))
    schedule.start()
    try:
        assert schedule.next_run_time is not None
        await wait_until(lambda: runs.finished >= 3)
    finally:
        await schedule.stop()
    stopped_at = runs.started
    await asyncio.sleep(0.5)
    assert runs.started == stopped_at  # nothing runs once stopped
    assert schedule.next_run_time is None


async def test_a_run_longer_than_the_interval_is_never_run_twice_at_once() -> None:
    runs = Runs(duration=0.5)
    schedule = SyncSchedule(runs, IntervalTrigger(seconds=0.1))
    schedule.start()
    try:
        await wait_until(lambda: runs.finished >= 2)
    finally:
        await schedule.stop()
    assert runs.most_at_once == 1


async def test_run_now_starts_at_once_and_not_while_one_runs() -> None:
    runs = Runs(duration=0.3)
    schedule = SyncSchedule(runs, IntervalTrigger(hours=6))
    schedule.start()
    try:
        later = schedule.next_run_time
        assert later is not None and later > datetime.now(UTC) + timedelta(hours=5)
        assert schedule.run_now()
        await wait_until(lambda: schedule.running)
        assert not schedule.run_now()  # one is running
        await wait_until(lambda: runs.finished == 1)
        # Back on its six-hour rhythm afterwards.
        assert schedule.next_run_time > datetime.now(UTC) + timedelta(hours=5)  # type: ignore[operator]
        assert runs.started == 1
    finally:
        await schedule.stop()


async def test_run_now_without_a_schedule() -> None:
    runs = Runs()
    schedule = SyncSchedule(runs, None)
    schedule.start()
    try:
        assert schedule.next_run_time is None
        await asyncio.sleep(0.3)
        assert runs.started == 0
        assert schedule.run_now()
        await wait_until(lambda: runs.finished == 1)
        assert schedule.run_now()
        await wait_until(lambda: runs.finished == 2)
    finally:
        await schedule.stop()


async def test_a_failing_run_is_reported_and_the_schedule_goes_on() -> None:
    errors: list[BaseException] = []
    runs = Runs(fail=True)
    schedule = SyncSchedule(runs, IntervalTrigger(seconds=0.15), on_error=errors.append)
    schedule.start()
    try:
        await wait_until(lambda: len(errors) >= 2)
    finally:
        await schedule.stop()
    assert all(str(e) == "Google said no" for e in errors)


async def test_stopping_cancels_a_run_in_progress() -> None:
    runs = Runs(duration=30)
    schedule = SyncSchedule(runs, None)
    schedule.start()
    schedule.run_now()
    await wait_until(lambda: runs.active == 1)
    await asyncio.wait_for(schedule.stop(), 5)
    assert runs.active == 0 and not schedule.running


async def test_run_now_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        SyncSchedule(Runs(), None).run_now()


async def test_the_schedule_runs_a_real_sync(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    sync = make_sync()
    results: list[SyncResult] = []

    async def run() -> None:
        results.append(await sync.run())

    schedule = SyncSchedule(run, make_trigger(ContactsConfig(), UTC))
    schedule.start()
    try:
        schedule.run_now()
        await wait_until(lambda: len(results) == 1, timeout=60)
    finally:
        await schedule.stop()
    assert results[0].contacts == BOOK_SIZE
