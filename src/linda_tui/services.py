"""The composition root: everything a running Linda owns, built in one place and one order.

Every way of running Linda — the console, each command, a headless host, the tests
and the benchmarks — builds a ``Services`` and opens it. Opening goes, in this order:
the folders, the instance lock, the store, the fleet (its clock, its accounts, real
neonize clients or the simulated network under ``--demo``), then the services that plug
in (broadcasts, the contacts sync and its scheduler), each started after what it needs.
Closing goes the other way, each step bounded in time, and is safe to call twice.

Everything that happens reaches listeners through one typed stream of events
(``subscribe``): the fleet's events and those the plugged-in services publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from linda_tui.clock import Clock, SystemClock
from linda_tui.config.models import BotConfig, FleetConfig
from linda_tui.fleet.events import FleetEvent
from linda_tui.fleet.lock import InstanceLock
from linda_tui.fleet.manager import Fleet
from linda_tui.models import Contact
from linda_tui.store import open_store
from linda_tui.store.base import Store
from linda_tui.whatsapp.account import Emit, PairMethod, WhatsAppAccount

if TYPE_CHECKING:  # the console starts without the YAML loader and settings modules
    from linda_tui.broadcast.audience_contacts import ContactEntries
    from linda_tui.broadcast.engine import BroadcastEngine
    from linda_tui.broadcast.settings import BroadcastSettings
    from linda_tui.config.runtime import Runtime
    from linda_tui.contacts.directory import ContactDirectory
    from linda_tui.contacts.search import SearchHit
    from linda_tui.contacts.service import ContactsService

log = logging.getLogger("linda.services")

# Demo bots that start already paired; the others show the pairing flow.
DEMO_PRE_PAIRED = ("demo-main", "demo-support")
# Each service (and the fleet) gets this long to stop before closing moves on.
STOP_SECONDS = 10.0

Listener = Callable[[FleetEvent], None]


class Service(Protocol):
    """Something that runs beside the fleet (broadcasts, the contacts sync, the
    scheduler): started once the fleet is up, stopped before it goes down. One whose
    class sets ``early = True`` (the socket other terminals attach by) starts before
    the broadcasts and the others (see ``Services.start_services``)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Services:
    """One running Linda. Build with ``Services.for_runtime`` (the console and the
    commands) or ``Services.build`` (tests, benchmarks); ``await open()``, use,
    ``await close()`` — or ``async with``."""

    fleet: Fleet
    store: Store
    lock: InstanceLock
    clock: Clock
    timezone: tzinfo = UTC
    demo: bool = False
    network: object | None = None  # the SimulatedNetwork under --demo
    runtime: Runtime | None = None
    # The services that plug in, in the order they start (see ``add``).
    services: list[Service] = field(default_factory=list)
    # The broadcast engine, made and started when the services open (its modules are
    # not needed for the console's first frame); None to run without one.
    broadcasts: BroadcastEngine | None = None
    with_broadcasts: bool = True
    contacts: ContactsService | None = None  # the Google Contacts sync, when running
    # Run the Google Contacts sync (``for_runtime(contacts=True)``): it is made, and its
    # modules imported, when the services start, not while the console starts.
    with_contacts: bool = False
    # What searches contacts: an index loaded from the store (made on first use).
    directory: ContactDirectory | None = None
    broadcast_settings: BroadcastSettings | None = None
    _listeners: list[Listener] = field(default_factory=list, repr=False)
    _opened: list[str] = field(default_factory=list, repr=False)
    _unsubscribe_fleet: Callable[[], None] | None = field(default=None, repr=False)
    # Starting the services and closing never overlap: a quit right after the first
    # frame used to close while the services were still starting, and what started
    # after the close (the demo's People API, the socket) kept the process alive.
    _lifecycle: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _closed: bool = field(default=False, repr=False)
    # Set once the broadcasts and every service have started (or the services closed):
    # what the socket is asked of them before then waits for it (see ``wait_started``).
    _all_started: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    # --- building ----------------------------------------------------------------------
    @classmethod
    def for_runtime(
        cls,
        runtime: Runtime,
        *,
        clock: Clock | None = None,
        only_bot: BotConfig | None = None,
        broadcasts: bool = False,
        contacts: bool = False,
    ) -> Services:
        """Services for one run of Linda: its fleet (or just ``only_bot`` of it, for a
        command about one bot), its paths, store and time zone. ``broadcasts`` (the
        console, `linda serve`, `linda broadcast run`) runs the broadcast engine, which
        resumes the campaigns that were running; ``contacts`` (a host: the console or
        `linda serve`) runs the Google Contacts sync on its schedule. A quick command
        (status, send...) runs neither."""
        config = runtime.fleet if only_bot is None else runtime.fleet.narrowed_to(only_bot)
        services = cls.build(
            config,
            store_url=runtime.store_url,
            sessions_dir=runtime.sessions_dir,
            data_dir=runtime.data_dir,
            demo=runtime.demo,
            timezone=runtime.timezone,
            clock=clock,
        )
        services.runtime = runtime
        services.with_broadcasts = broadcasts
        services.with_contacts = contacts
        return services

    @classmethod
    def build(
        cls,
        config: FleetConfig,
        *,
        store_url: str,
        sessions_dir: Path,
        data_dir: Path,
        demo: bool,
        timezone: tzinfo = UTC,
        clock: Clock | None = None,
        seed: int = 7,
        speed: float = 1.0,
        network: object | None = None,
        lock: InstanceLock | None = None,
    ) -> Services:
        """Build (not open) everything. Under demo the accounts live on a SimulatedNetwork
        kept in data_dir (``network`` gives one made by the caller); otherwise each bot is
        a real neonize client with its session in sessions_dir. Nothing is written to
        disk until ``open()``."""
        clock = clock or SystemClock()
        store = open_store(store_url)
        factory: Callable[[BotConfig, Emit], WhatsAppAccount]
        if demo:
            if network is None:
                from linda_tui.whatsapp.simulated import SimulatedNetwork

                network = SimulatedNetwork(
                    Path(data_dir), seed=seed, speed=speed, paired=DEMO_PRE_PAIRED, clock=clock
                )
            sim = network

            def factory(bot: BotConfig, emit: Emit) -> WhatsAppAccount:
                account: WhatsAppAccount = sim.account(bot.id, bot.phone, emit)  # type: ignore[attr-defined]
                return account

        else:
            from linda_tui.whatsapp.neonize_account import NeonizeAccount

            def factory(bot: BotConfig, emit: Emit) -> WhatsAppAccount:
                return NeonizeAccount(bot.id, bot.phone, emit, Path(sessions_dir), clock=clock)

        fleet = Fleet(config, store, factory, clock=clock, timezone=timezone)
        return cls(
            fleet=fleet,
            store=store,
            lock=lock or InstanceLock(Path(sessions_dir)),
            clock=clock,
            timezone=timezone,
            demo=demo,
            network=network,
        )

    def add(self, service: Service) -> None:
        """Plug a service in; it starts after the fleet and those added before it, and
        stops before them. Only before ``open()``."""
        if self._opened:
            raise RuntimeError(f"add {service.name!r} before opening the services")
        self.services.append(service)

    # --- the one stream of events ---------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener(event) for every event (the fleet's and the services'), on the
        event loop's thread; returns the function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: FleetEvent) -> None:
        """Hand an event to every listener (services publish their own through this)."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed on %s", listener, type(event).__name__)

    # --- what the console asks of whichever Linda runs the fleet ----------------------------
    def contact_directory(self) -> ContactDirectory:
        """The searchable contacts (loading them from the store the first time)."""
        if self.directory is None:
            from linda_tui.contacts.directory import ContactDirectory, ContactsReloaded

            def loaded(count: int) -> None:
                # Panes showing results ask again (here and in attached consoles).
                self.publish(ContactsReloaded(contacts=count))

            self.directory = ContactDirectory(
                self.store, self.fleet.config.default_region, on_loaded=loaded
            )
            self.directory.refresh()
        return self.directory

    async def search_hits(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Contacts matching query, best first, each with why (see ContactIndex)."""
        return await self.contact_directory().search(query, limit=limit)

    def search_now(self, query: str, limit: int = 50) -> list[SearchHit] | None:
        """search_hits answered at once, from the index in memory; None until it is loaded
        (then search_hits waits for it)."""
        return self.contact_directory().search_now(query, limit=limit)

    def sorted_now(self, limit: int = 50, offset: int = 0) -> list[Contact] | None:
        """sorted_contacts answered at once, from the index in memory; None until loaded."""
        return self.contact_directory().sorted_now(limit, offset)

    async def search_contacts(self, query: str, limit: int = 50) -> list[Contact]:
        """Contacts matching query, best first."""
        return [hit.contact for hit in await self.search_hits(query, limit=limit)]

    async def sorted_contacts(self, limit: int = 50, offset: int = 0) -> list[Contact]:
        """Contacts in name order, ``limit`` of them from ``offset``: an empty search."""
        return await self.contact_directory().sorted_contacts(limit, offset)

    async def contact_entries(
        self, query: str | None = None, label: str | None = None
    ) -> ContactEntries:
        """Who a broadcast to contacts reaches (a search, a label, or every contact when
        neither is given): every match, searched in this Linda's contact directory."""
        from linda_tui.broadcast.audience_contacts import contact_entries

        return await contact_entries(
            self.store,
            self.fleet.config.default_region,
            query=query,
            label=label,
            search=lambda wanted, limit: self.search_hits(wanted, limit=limit),
        )

    async def demo_phone(self, bot_id: str, method: PairMethod = PairMethod.QR) -> bool:
        """Under --demo: the simulated phone scans the bot's QR code (or types its phone
        code). False when there is no live code, or no simulated network."""
        network = self.network
        if not self.demo or network is None:
            return False
        act = network.enter_pair_code if method is PairMethod.PHONE_CODE else network.scan  # type: ignore[attr-defined]
        return bool(act(bot_id))

    # --- life -------------------------------------------------------------------------------
    async def open(self, *, fleet_only: bool = False) -> None:
        """Folders, lock, store, fleet, then the services (see ``start_services``), unless
        ``fleet_only``: the console starts those once its first frame is drawn. On any
        failure, whatever was opened is closed again and the error is raised."""
        self._closed = False
        self._all_started.clear()
        try:
            if self.runtime is not None:
                self.runtime.prepare_folders()
            self.lock.acquire()
            self._opened.append("lock")
            await self.store.open()
            self._opened.append("store")
            if not self.demo:
                # neonize parks a thread per client on the default executor: size it.
                from linda_tui.whatsapp.neonize_account import size_default_executor

                size_default_executor(asyncio.get_running_loop(), len(self.fleet.bot_ids))
            self._unsubscribe_fleet = self.fleet.subscribe(self.publish)
            await self.fleet.start()
            self._opened.append("fleet")
            if not fleet_only:
                await self._start_services()
        except BaseException:
            await self.close()
            raise

    async def start_services(self, *, early_only: bool = False) -> None:
        """After ``open(fleet_only=True)``: the early services (the socket other terminals
        attach by), then, unless ``early_only``, the broadcasts (which resume the
        campaigns that were running), the contacts sync and the other services. Safe to
        call again: what has started is not started twice. On failure, everything is
        closed and the error raised."""
        try:
            async with self._lifecycle:
                if self._closed:
                    return  # closed meanwhile (a quit during start-up): start nothing
                await self._start_services(early_only=early_only)
        except BaseException:
            await self.close()
            raise

    async def wait_started(self) -> None:
        """Until the broadcasts and every service have started, or the services closed:
        the socket listens first, and what it is asked of the others waits for them."""
        await self._all_started.wait()

    async def _start_services(self, *, early_only: bool = False) -> None:
        for service in self.services:
            if getattr(service, "early", False):
                await self._start_service(service)
        if early_only:
            return
        if self.with_broadcasts and "broadcasts" not in self._opened:
            self.broadcasts = self._make_broadcasts()
            await self.broadcasts.start()
            self._opened.append("broadcasts")
        if self.with_contacts and self.contacts is None:
            self.contacts = self._make_contacts()
            # First in the list: it stops after those plugged in before (the socket).
            self.services.insert(0, self.contacts)
        for service in self.services:
            await self._start_service(service)
        self._all_started.set()

    async def _start_service(self, service: Service) -> None:
        if f"service:{service.name}" not in self._opened:
            await service.start()
            self._opened.append(f"service:{service.name}")

    async def close(self) -> None:
        """Stop the services, the fleet, the network; close the store; release the lock.
        In that order, each bounded in time; idempotent. Waits for services still
        starting (see start_services), then none start any more."""
        async with self._lifecycle:
            self._closed = True
            await self._close()
            self._all_started.set()  # nothing more will start: nobody waits for it

    async def _close(self) -> None:
        opened, self._opened = self._opened, []
        for service in reversed(self.services):
            if f"service:{service.name}" in opened:
                await self._bounded(service.stop(), f"stopping {service.name}")
        if "broadcasts" in opened and self.broadcasts is not None:
            await self._bounded(self.broadcasts.stop(), "stopping the broadcasts")
        if "fleet" in opened:
            await self._bounded(self.fleet.stop(), "stopping the fleet")
        if self._unsubscribe_fleet is not None:
            self._unsubscribe_fleet()
            self._unsubscribe_fleet = None
        aclose = getattr(self.network, "aclose", None)
        if aclose is not None:
            await self._bounded(aclose(), "closing the simulated network")
        if self.directory is not None:
            await self.directory.close()
        if "store" in opened:
            await self._bounded(self.store.close(), "closing the store")
        if "lock" in opened:
            self.lock.release()

    def _make_contacts(self) -> ContactsService:
        from linda_tui.contacts.service import ContactsService

        assert self.runtime is not None, "the contacts sync runs for a runtime (for_runtime)"
        return ContactsService(
            self.runtime,
            self.store,
            self.clock,
            self.publish,
            on_synced=lambda: self.contact_directory().refresh(),
        )

    def broadcast_rules(self) -> BroadcastSettings:
        """The broadcast rules this Linda runs campaigns with: those given
        (``broadcast_settings``, tests and benchmarks), else bots.yaml's
        (``linda_tui.broadcast.settings.broadcast_settings``)."""
        if self.broadcast_settings is not None:
            return self.broadcast_settings
        from linda_tui.broadcast.settings import broadcast_settings

        return broadcast_settings(self.fleet.config, self.timezone, demo=self.demo)

    def _make_broadcasts(self) -> BroadcastEngine:
        from linda_tui.broadcast.engine import BroadcastEngine

        return BroadcastEngine(
            self.fleet,
            self.store,
            self.publish,
            self.subscribe,
            settings=self.broadcast_rules(),
            network=self.network,
        )

    @staticmethod
    async def _bounded(step: object, what: str) -> None:
        try:
            await asyncio.wait_for(step, STOP_SECONDS)  # type: ignore[arg-type]
        except TimeoutError:
            log.error("%s took over %s s; going on without it", what, STOP_SECONDS)
        except Exception:
            log.exception("%s failed", what)

    async def __aenter__(self) -> Services:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    remote = False  # this process runs the fleet (see host.remote.RemoteServices)

    @property
    def is_open(self) -> bool:
        return "fleet" in self._opened

    @contextlib.contextmanager
    def native_output(self) -> Iterator[None]:
        """Real neonize clients write to fds 1 and 2 from Go: while this is entered that
        goes to the log file (the console and the commands alike). Nothing under demo."""
        if self.demo or self.runtime is None:
            yield
            return
        from linda_tui.whatsapp.stdio_redirect import redirect_native_stdio

        with redirect_native_stdio(self.runtime.log_file):
            yield
