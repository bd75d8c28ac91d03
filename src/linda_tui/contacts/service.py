"""The Google Contacts sync as a service of a running Linda: its schedule, "sync now",
and what the console shows of it, on the same stream of events as the fleet's.

Under --demo it syncs, through the real client, from the fake People API with a
generated address book (started here, stopped at shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from linda_tui.clock import Clock
from linda_tui.contacts.sync import SyncError, SyncProgress, SyncResult
from linda_tui.fleet.events import FleetEvent
from linda_tui.models import utcnow

if TYPE_CHECKING:
    from linda_tui.config.runtime import Runtime
    from linda_tui.contacts.schedule import SyncSchedule
    from linda_tui.contacts.sync import ContactsSync
    from linda_tui.store.base import Store

log = logging.getLogger("linda.contacts")


@dataclass
class ContactsSyncProgress(FleetEvent):
    """A sync is under way: pages, contacts fetched, created / updated / deleted."""

    progress: SyncProgress


@dataclass
class ContactsSyncStatus(FleetEvent):
    """The sync's standing, for the dashboard's Google sync line: configured or not, the
    last result (or error, with its fix), whether one runs now, and the next run."""

    configured: bool
    running: bool = False
    last_result: SyncResult | None = None
    last_error: str | None = None
    last_sync: datetime | None = None
    next_run: datetime | None = None
    detail: str | None = None  # why it is not configured, and how to configure it

    def line(self, timezone: tzinfo, width: int | None = None) -> str:
        """The dashboard's one line about the sync. With width (in cells), the most it
        can say there: a shorter title, then no counts, before the next run is cut."""
        if not self.configured:
            return f"Google Contacts sync: {self.detail or 'not configured'}"
        upcoming = f"· next {self.next_run.astimezone(timezone):%H:%M}" if self.next_run else ""
        text = ""
        for title, counts in _LINE_FORMS:
            text = " ".join(p for p in (title, self._standing(timezone, counts), upcoming) if p)
            if width is None or len(text) <= width:
                break
        return text  # still too long: the screen cuts it with an ellipsis

    def _standing(self, timezone: tzinfo, counts: bool) -> str:
        if self.running:
            return "running…"
        if self.last_error:
            return f"✖ {self.last_error}"
        if self.last_result is not None:
            r = self.last_result
            changes = f" (+{r.created:,} ~{r.updated:,} -{r.deleted:,})" if counts else ""
            return f"{r.mode} sync: {r.contacts:,} contacts{changes}"
        if self.last_sync is not None:
            return f"last synced {self.last_sync.astimezone(timezone):%d %b %H:%M}"
        return "never synced"


# The sync line's forms, the fullest first: (title, with the last sync's counts).
_LINE_FORMS = (
    ("Google Contacts sync:", True),
    ("Google sync:", True),
    ("Google sync:", False),
)


@dataclass
class ContactsService:
    """The sync and its schedule; plug it into Services (``services.add``)."""

    runtime: Runtime
    store: Store
    clock: Clock
    publish: Callable[[FleetEvent], None]
    name: str = "contacts"
    label: str = "console"
    on_synced: Callable[[], object] | None = None  # after each successful sync
    demo_people: int | None = None  # under --demo: the fake's address book (None: 3000)
    sync: ContactsSync | None = field(default=None, init=False)
    _schedule: SyncSchedule | None = field(default=None, init=False)
    _fake: Any = field(default=None, init=False)
    _status: ContactsSyncStatus = field(
        default_factory=lambda: ContactsSyncStatus(configured=False), init=False
    )
    _current: asyncio.Task[SyncResult] | None = field(default=None, init=False)
    _starting: asyncio.Task[None] | None = field(default=None, init=False)

    @property
    def status(self) -> ContactsSyncStatus:
        return self._status

    async def start(self) -> None:
        """Start in the background (the console's first frame does not wait for the
        demo's fake People API to make its address book): see _start."""
        self._starting = asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        """Configured (or the demo): build the sync and start its schedule. Not
        configured: say so, and how, on the dashboard."""
        try:
            await self._start_now()
        except Exception as exc:
            log.exception("the Google Contacts sync could not start")
            self._set_status(configured=False, detail=f"could not start: {exc}")

    async def _start_now(self) -> None:
        settings = self.runtime.settings
        if self.runtime.demo:
            from linda_tui.contacts.demo import start_demo_people_api

            # Generating the address book and an RSA key takes a moment: off the loop.
            size = {} if self.demo_people is None else {"people": self.demo_people}
            self._fake, settings = await asyncio.to_thread(
                start_demo_people_api, settings, self.runtime.data_dir, **size
            )
        elif settings.google_credentials is None and settings.google_token is None:
            self._set_status(
                configured=False,
                detail="not configured — set LINDA_GOOGLE_CREDENTIALS (see README) to sync",
            )
            return
        from linda_tui.contacts.schedule import SyncSchedule, first_run_time, make_trigger
        from linda_tui.contacts.sync import contacts_sync_for

        runtime = replace(self.runtime, settings=settings)
        self.sync = contacts_sync_for(runtime, self.store, clock=self.clock, label=self.label)
        config = self.runtime.fleet.contacts
        state = await self.store.get_sync_state()
        self._status = ContactsSyncStatus(
            configured=True, last_sync=state.last_sync, last_error=state.last_error
        )
        self._schedule = SyncSchedule(
            self._scheduled,
            make_trigger(config, self.runtime.timezone),
            timezone=self.runtime.timezone,
        )
        self._schedule.start(first_run=first_run_time(state.last_sync, config, self.clock.now()))
        self._set_status()

    async def stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(BaseException):
                await self._starting
        if self._schedule is not None:
            await self._schedule.stop()
            self._schedule = None
        if self._current is not None and not self._current.done():
            self._current.cancel()
            with contextlib.suppress(BaseException):
                await self._current
        if self._fake is not None:
            await asyncio.to_thread(self._fake.stop)
            self._fake = None

    async def run_now(self, *, full: bool = False) -> SyncResult:
        """One sync now (the console's "Sync now", `linda sync` through the host); its
        progress and outcome go out as events. Raises SyncError (one line)."""
        if self._starting is not None and not self._starting.done():
            await self._starting  # "sync now" right at start-up waits for the sync to be ready
        if self.sync is None:
            raise SyncError(
                self._status.detail or "Google Contacts sync is not configured — see README"
            )
        if self._current is not None and not self._current.done():
            raise SyncError("a Google Contacts sync is already running — wait for it to finish")
        self._current = asyncio.ensure_future(self._run(full))
        return await asyncio.shield(self._current)

    async def _scheduled(self) -> None:
        with contextlib.suppress(SyncError):
            await self.run_now()

    async def _run(self, full: bool) -> SyncResult:
        assert self.sync is not None
        self._set_status(running=True)
        try:
            result = await self.sync.run(full=full, on_progress=self._progress)
        except SyncError as exc:
            log.warning("Google Contacts sync failed: %s", exc)
            self._set_status(running=False, last_error=str(exc))
            raise
        except Exception as exc:
            log.exception("Google Contacts sync failed unexpectedly")
            self._set_status(running=False, last_error=f"unexpected error: {exc}")
            raise SyncError(f"unexpected error: {exc}") from None
        log.info(
            "Google Contacts %s sync: %d fetched, +%d ~%d -%d, %d contacts",
            result.mode,
            result.fetched,
            result.created,
            result.updated,
            result.deleted,
            result.contacts,
        )
        self._set_status(
            running=False, last_result=result, last_error=None, last_sync=self.clock.now()
        )
        if self.on_synced is not None:
            self.on_synced()
        return result

    def _progress(self, progress: SyncProgress) -> None:
        self.publish(ContactsSyncProgress(progress=progress))

    def _set_status(self, **changes: Any) -> None:
        next_run = self._schedule.next_run_time if self._schedule is not None else None
        self._status = replace(self._status, next_run=next_run, at=utcnow(), **changes)
        self.publish(self._status)
