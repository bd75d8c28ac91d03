"""The sync's schedule: APScheduler 3.11's AsyncIOScheduler inside a running event loop.

Every 6 hours by default, or the interval or cron expression bots.yaml's ``contacts:``
gives (in LINDA_TIMEZONE). The job is coalesced (after a stall, a sleep or a busy
loop, the missed runs make one run, however late) and never runs twice at once
(``max_instances=1``; across processes the store's lease sees to it). "Sync now" moves
the job's next run to now (``job.modify(next_run_time=now)``).

``SyncSchedule`` only times things: what a run does, and what happens to its result or
error, is the ``run`` coroutine function it is given (the console's posts messages).
APScheduler is imported on start, not before: the console's first frame does not wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from linda_tui.config.models import ContactsConfig

log = logging.getLogger(__name__)

JOB_ID = "contacts-sync"


def make_trigger(config: ContactsConfig, timezone: tzinfo = UTC) -> Any | None:
    """The APScheduler trigger for bots.yaml's contacts settings; None when syncs run
    only on demand (sync_every: off)."""
    if config.sync_cron is not None:
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger.from_crontab(config.sync_cron, timezone=timezone)
    seconds = config.interval_seconds
    if seconds is None:
        return None
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(seconds=seconds, timezone=timezone)


def first_run_time(
    last_sync: datetime | None, config: ContactsConfig, now: datetime, settle: float = 10.0
) -> datetime | None:
    """When an interval schedule should first run after start-up: ``settle`` seconds
    from now if the last sync is older than the interval (or there was none), else one
    interval after the last sync. None for a cron schedule (the trigger decides) or no
    schedule."""
    seconds = config.interval_seconds
    if seconds is None:
        return None
    soon = now + timedelta(seconds=settle)
    if last_sync is None:
        return soon
    return max(soon, last_sync + timedelta(seconds=seconds))


class SyncSchedule:
    """Runs ``run()`` on ``trigger`` (None: only when asked) inside the running loop.

    ``start()`` and ``stop()`` are called from the loop (the console's). ``run_now()``
    starts a run at once unless one is running. Errors raised by ``run`` are logged and
    passed to ``on_error``; the schedule carries on.
    """

    def __init__(
        self,
        run: Callable[[], Awaitable[object]],
        trigger: Any | None,
        *,
        timezone: tzinfo = UTC,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._run = run
        self._trigger = trigger
        self._timezone = timezone
        self._on_error = on_error
        self._scheduler: Any = None
        self._current: asyncio.Task[Any] | None = None

    @property
    def started(self) -> bool:
        return self._scheduler is not None

    @property
    def running(self) -> bool:
        """True while a run is in progress."""
        return self._current is not None and not self._current.done()

    @property
    def next_run_time(self) -> datetime | None:
        """When the next scheduled run starts (None: only on demand, or stopped)."""
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(JOB_ID)
        return None if job is None else job.next_run_time

    def start(self, first_run: datetime | None = None) -> None:
        """Start the scheduler in the running event loop; the first scheduled run is at
        ``first_run`` when given, else where the trigger puts it."""
        if self._scheduler is not None:
            return
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(
            timezone=self._timezone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.start()
        if self._trigger is not None:
            options: dict[str, Any] = {}
            if first_run is not None:
                options["next_run_time"] = first_run
            scheduler.add_job(
                self._job, self._trigger, id=JOB_ID, name="Google Contacts sync", **options
            )
        self._scheduler = scheduler

    def run_now(self) -> bool:
        """Start a run now (the console's "Sync now"); False when one is already running."""
        if self._scheduler is None:
            raise RuntimeError("the sync schedule is not started")
        if self.running:
            return False
        now = datetime.now(self._timezone)
        job = self._scheduler.get_job(JOB_ID)
        if job is not None:
            job.modify(next_run_time=now)
        else:  # no schedule: a one-off run
            self._scheduler.add_job(
                self._job, "date", run_date=now, id=f"{JOB_ID}-now", replace_existing=True
            )
        self._scheduler.wakeup()
        return True

    async def stop(self) -> None:
        """Stop the schedule; a run in progress is cancelled and waited for."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        current = self._current
        if current is not None and not current.done():
            current.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await current
        await asyncio.sleep(0)  # let the scheduler's own shutdown (queued on the loop) run

    async def _job(self) -> None:
        self._current = asyncio.current_task()
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("scheduled Google Contacts sync failed: %s", exc)
            if self._on_error is not None:
                try:
                    self._on_error(exc)
                except Exception:
                    log.exception("sync error handler failed")
