"""The Linda console: the App, its factory, and ``run_console`` for the CLI.

The first Linda on a sessions folder hosts: the fleet runs inside the app's event loop
(opened by an App-level worker on mount, closed on quit), with the broadcasts, the
contacts sync and the socket other terminals reach it by. A Linda started while another
hosts attaches to it instead: the same panes and keys, driven by the host's events, and
quitting leaves the bots running. Either way everything reaches the UI as one stream of
events, routed by a table of event types (``EVENT_HANDLERS``) to the app's signals;
screens listen to those, so a pane opened late still sees everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import Notification, Notify
from textual.screen import ModalScreen
from textual.signal import Signal
from textual.timer import Timer

from linda_tui import models
from linda_tui.clock import Clock, SystemClock
from linda_tui.fleet.events import (
    AccountEventForwarded,
    BotStatusChanged,
    FleetError,
    FleetEvent,
    MessageRecorded,
    OptedOut,
)
from linda_tui.fleet.manager import CANCELLED
from linda_tui.fleet.status import STATE_WORD
from linda_tui.fleet.view import FleetView
from linda_tui.models import BotState, Direction, MessageStatus
from linda_tui.tui.activity import ActivityEntry, ActivityHistory, Kind
from linda_tui.tui.commands import LindaCommands
from linda_tui.tui.key_order import KeysOneAtATime
from linda_tui.tui.literal import printable
from linda_tui.tui.messages import FleetEventsArrived, FleetOpened, FleetOpenFailed
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.whatsapp.account import (
    AccountEvent,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    QRCodeIssued,
)

if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from linda_tui.broadcast.events import CampaignProgress
    from linda_tui.config.runtime import Runtime
    from linda_tui.contacts.directory import ContactsReloaded
    from linda_tui.contacts.service import ContactsSyncProgress, ContactsSyncStatus
    from linda_tui.contacts.sync import SyncProgress
    from linda_tui.host.remote import RemoteServices
    from linda_tui.host.server import HostServer
    from linda_tui.host.socket_path import SocketPath
    from linda_tui.services import Services
    from linda_tui.tui.screens.compose import ComposeScreen

    Running = Services | RemoteServices

log = logging.getLogger("linda.tui")

# Quitting waits this long for every client to stop before leaving anyway.
SHUTDOWN_SECONDS = 5.0
# After SIGHUP or SIGTERM the process is gone within this long, even if the shutdown
# hangs (each of its two steps is bounded by SHUTDOWN_SECONDS).
FORCED_EXIT_SECONDS = 2 * SHUTDOWN_SECONDS + 2.0
# A second signal this long after the first forces the exit at once.
SIGNAL_REPEAT_SECONDS = 1.0
# Inbound messages arriving within this window share one notification.
INBOUND_TOAST_SECONDS = 0.3
INBOUND_TOAST_LINES = 3  # messages quoted in a toast (a count says how many more)
SYNC_NOT_CONFIGURED = "Google Contacts sync: not configured"
SYNC_STARTING = "Google Contacts sync: starting…"  # until the sync says how it stands
# Before the first frame the console waits this long for the fleet to open. A local
# store opens in milliseconds, and the first frame then shows every bot's state instead
# of a frame of "starting…" and a redraw; a slow store (a distant MongoDB) does not hold
# the screen back longer than this: the fleet goes on opening behind the dashboard.
FIRST_FRAME_WAIT_SECONDS = 0.15
# The socket other terminals attach by listens as soon as the first frame is drawn; the
# broadcasts (resuming the campaigns that were running) and the contacts sync start this
# long after it. Nothing of theirs is on the first screen, and their modules and store
# queries would otherwise hold back the bots' first states on the dashboard.
BACKGROUND_START_SECONDS = 0.5


def _activity_screen() -> Screen[None]:
    from linda_tui.tui.screens.activity import ActivityScreen

    return ActivityScreen()


def _compose_screen() -> Screen[None]:
    from linda_tui.tui.screens.compose import ComposeScreen

    return ComposeScreen()


def _broadcasts_screen() -> Screen[None]:
    from linda_tui.tui.screens.broadcasts import BroadcastsScreen

    return BroadcastsScreen()


def _contacts_screen() -> Screen[None]:
    from linda_tui.tui.screens.contacts import ContactsScreen

    return ContactsScreen()


class LindaApp(KeysOneAtATime):
    """The console. Build it with ``create_app``."""

    TITLE = "Linda"
    # Only the dashboard is needed for the first frame: every other pane (and the
    # widgets and libraries it needs, e.g. TextArea for Compose) loads when first opened.
    # The dashboard is the default mode's screen (get_default_screen) and joins the
    # modes once made (on_mount): a first screen taken from MODES makes Textual parse
    # the app's whole stylesheet twice more while the first frame is being drawn.
    MODES: ClassVar[dict[str, Any]] = {
        "compose": _compose_screen,
        "broadcasts": _broadcasts_screen,
        "contacts": _contacts_screen,
        "activity": _activity_screen,
    }
    DEFAULT_MODE = "dashboard"
    # Textual loads a screen's CSS_PATH when the screen is pushed or its mode first
    # opened, but not the first screen's (get_default_screen): the app reads the
    # dashboard's files (DashboardScreen.CSS_PATH) with its own, before the first frame.
    CSS_PATH = ["screens/pane.tcss", "screens/dashboard.tcss"]
    COMMANDS = App.COMMANDS | {LindaCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1", "switch_mode('dashboard')", "Dashboard", id="linda.pane.dashboard", show=False
        ),
        Binding("2", "switch_mode('compose')", "Compose", id="linda.pane.compose", show=False),
        Binding(
            "3", "switch_mode('broadcasts')", "Broadcasts", id="linda.pane.broadcasts", show=False
        ),
        Binding("4", "switch_mode('contacts')", "Contacts", id="linda.pane.contacts", show=False),
        Binding("5", "switch_mode('activity')", "Activity", id="linda.pane.activity", show=False),
        Binding("q", "quit", "Quit", id="linda.quit"),
        Binding("ctrl+q", "quit", "Quit", id="linda.quit.ctrl", show=False, priority=True),
        # Not a priority binding: "?" typed in a text field stays in the field.
        Binding("question_mark", "show_keys", "Keys", id="linda.keys"),
    ]

    def __init__(
        self,
        services: Running,
        *,
        clock: Clock,
        demo: bool,
        timezone: tzinfo = UTC,
        cursor_blink: bool = True,
        on_first_frame: Callable[[], None] | None = None,
        host: HostServer | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        if keymap:
            self.set_keymap(keymap)  # bots.yaml keys: (binding id -> keys)
        self.services = services
        self.fleet: FleetView = services.fleet
        # Attached to another Linda that runs the fleet (quitting leaves it running).
        self.attached = bool(getattr(services, "remote", False))
        self.host = host  # the socket others attach by, when this console hosts
        self._on_first_frame = on_first_frame
        self.clock = clock
        self.demo = demo
        self.timezone = timezone
        self.cursor_blink = cursor_blink
        self.sub_title = "demo — simulated WhatsApp" if demo else ""
        self.activity = ActivityHistory()
        # Until the sync says how it stands (attached: until the host says).
        runs_sync = self.attached or (
            services.contacts is not None or getattr(services, "with_contacts", False)
        )
        self.sync_status = SYNC_STARTING if runs_sync else SYNC_NOT_CONFIGURED
        # The sync's last status and progress, for a pane opened while a sync runs.
        self.sync_state: ContactsSyncStatus | None = None
        self.sync_last_progress: SyncProgress | None = None
        self.fleet_ready = False
        self.exit_reason: str | None = None  # why the app left on its own, for the CLI
        # Signals the panes subscribe to (each pane may be created late, or never).
        self.bots_changed: Signal[frozenset[str]] = Signal(self, "bots-changed")
        self.message_updates: Signal[models.Message] = Signal(self, "message-updates")
        self.account_events: Signal[AccountEvent] = Signal(self, "account-events")
        self.activity_added: Signal[ActivityEntry] = Signal(self, "activity-added")
        self.sync_status_changed: Signal[str] = Signal(self, "sync-status")
        self.sync_progress: Signal[ContactsSyncProgress] = Signal(self, "sync-progress")
        # The searchable contacts were reloaded (how many there are now): after a sync.
        self.contacts_reloaded: Signal[int] = Signal(self, "contacts-reloaded")
        self.campaign_updates: Signal[CampaignProgress] = Signal(self, "campaign-updates")
        self._fleet_events: list[FleetEvent] = []
        self._fleet_events_posted = False
        self._last_state: dict[str, BotState] = {s.id: s.state for s in self.fleet.statuses()}
        self._unsubscribe: Callable[[], None] | None = None
        self._fleet_closing: asyncio.Task[None] | None = None
        self._quitting = False
        self._asking_to_quit = False
        self._restarting_pairing: set[str] = set()  # see pairing_restarted
        # Compose, once opened: quitting asks first when it holds unsent work.
        self.compose_pane: ComposeScreen | None = None
        self._signal_handlers: dict[signal.Signals, Any] = {}
        self._signalled_at: float | None = None
        self.watchdog: threading.Timer | None = None  # forces the exit if shutdown hangs
        # Inbound messages not toasted yet: the last few, and how many in all.
        self._inbound_waiting: deque[models.Message] = deque(maxlen=INBOUND_TOAST_LINES)
        self._inbound_count = 0
        self._inbound_timer: Timer | None = None
        self._inbound_toast: Notification | None = None  # the one on screen, if any

    # --- start-up ---------------------------------------------------------------------
    async def on_load(self) -> None:
        # The store opens and the bots start in a worker, before Textual composes the
        # first screen: that screen shows every bot from the config, and their states
        # stream in as the fleet comes up.
        self._unsubscribe = self.services.subscribe(self._on_fleet_event)
        if self.attached:
            pid = getattr(self.services, "host_pid", None)
            self.record(Kind.INFO, f"attached to the Linda that runs the fleet (pid {pid})")
            self.services.when_gone(self._host_gone)  # type: ignore[union-attr]
        else:
            self.record(Kind.INFO, f"starting {len(self.fleet.bot_ids)} bots")
        self._catch_signals()
        opening = self._open_fleet()
        # Briefly: see FIRST_FRAME_WAIT_SECONDS. Its outcome arrives as a message either way.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(opening.wait()), FIRST_FRAME_WAIT_SECONDS)

    def _catch_signals(self) -> None:
        """An SSH connection that drops sends SIGHUP; a service manager sends SIGTERM.
        Either way stop every client and flush the store, as `q` does, then leave.

        Plain signal handlers, not the loop's: one must run even while the loop is stuck
        (in a write to a terminal that is gone), and SIGHUP's must mark the terminal gone
        before Textual's SIGCONT handler, which the kernel triggers right after, tries to
        draw on it again (see terminal_driver)."""
        self._signal_loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: nothing to catch
                self._signal_handlers[sig] = signal.signal(sig, self._signal_received)

    def _release_signals(self) -> None:
        for sig, previous in self._signal_handlers.items():
            signal.signal(sig, previous)
        self._signal_handlers.clear()

    def _signal_received(self, signum: int, _frame: object) -> None:
        # Runs in the main thread between two bytecodes, maybe in the middle of a write:
        # set flags and hand the work to the loop, nothing more.
        sig = signal.Signals(signum)
        terminal_lost = getattr(self._driver, "terminal_lost", None)  # a LindaDriver
        if sig is signal.SIGHUP and terminal_lost is not None:
            terminal_lost()
        now = time.monotonic()
        if self._signalled_at is None:
            self._signalled_at = now
            if terminal_lost is not None:
                # On a real terminal, however the shutdown goes, the process is gone in
                # FORCED_EXIT_SECONDS (run_console stops the watchdog once it is over).
                self.watchdog = threading.Timer(
                    FORCED_EXIT_SECONDS, force_exit, (sig, "the shutdown hung")
                )
                self.watchdog.daemon = True
                self.watchdog.start()
            self._signal_loop.call_soon_threadsafe(self._on_signal, sig)
        elif now - self._signalled_at >= SIGNAL_REPEAT_SECONDS:
            # Asked again (a hang-up can bring two SIGHUPs at once, hence the delay).
            force_exit(sig, "asked twice")

    def _fatal_error(self) -> None:
        """An error nothing else caught ends the console (Textual's way) with one line
        that names it and the log, where its traceback goes: not a traceback with its
        locals over the operator's screen. The hosting console's bots stop and its store
        closes on the way out, as on any exit."""
        from linda_tui.logsetup import current_log_file

        error = self._exception or sys.exc_info()[1]
        log.error("unexpected error in the console", exc_info=error)
        name = type(error).__name__ if error is not None else "error"
        detail = " ".join(str(error).split())[:200] if error is not None else ""
        where = current_log_file()
        self.exit_reason = (
            f"unexpected error ({name}{': ' + detail if detail else ''}) — the console "
            f"stopped; {f'the details are in {where}' if where else 'start it again'}"
        )
        self._close_messages_no_wait()

    def _on_signal(self, sig: signal.Signals) -> None:
        log.warning("%s received: stopping every bot and leaving", sig.name)
        if not self._quitting:
            self._quitting = True
            self._close_then_exit()

    def _host_gone(self, reason: str) -> None:
        """The Linda this console is attached to stopped (or dropped it): leave, saying so
        (``reason`` says whether the bots still run, and what to do)."""
        if not self._quitting:
            self._quitting = True
            self.exit_reason = reason + self._keep_drafts()
            self.exit(0, return_code=1)

    def _keep_drafts(self) -> str:
        """Text typed in Compose and not sent, saved (0600, beside the log) when the
        console must leave without asking: what to add to the line it leaves with."""
        drafts = None if self.compose_pane is None else self.compose_pane.drafts()
        if drafts is None:
            return ""
        from linda_tui.logsetup import current_log_file
        from linda_tui.private_files import write_private_atomic

        log_file = current_log_file()
        if log_file is None:
            return "; the draft in Compose was not sent"
        path = log_file.parent / f"unsent-{self.clock.now():%Y%m%d-%H%M%S}.txt"
        try:
            write_private_atomic(path, drafts.encode(), "unsent draft")
        except OSError as exc:
            log.warning("could not keep the unsent draft in %s: %s", path, exc)
            return "; the draft in Compose was not sent"
        return f"; the draft in Compose was not sent: it is kept in {path}"

    @work(exclusive=True, group="fleet", exit_on_error=False, name="open-fleet")
    async def _open_fleet(self) -> None:
        try:
            # The fleet first; the broadcasts, the contacts sync and the socket once the
            # first frame is on screen (on_ready). Attached: nothing more to open.
            if self.attached:
                await self.services.open()
            else:
                await self.services.open(fleet_only=True)  # type: ignore[call-arg]
        except Exception as exc:
            log.exception("the fleet could not start")
            self.post_message(FleetOpenFailed(str(exc) or type(exc).__name__))
            return
        self.post_message(FleetOpened())

    def get_default_screen(self) -> Screen[Any]:
        return DashboardScreen()

    def on_mount(self) -> None:
        # `1` and the palette switch back to the screen made above.
        self.add_mode("dashboard", DashboardScreen)

    def on_ready(self) -> None:
        # The first frame is on screen: start-up is over (see linda_tui.startup).
        if self._on_first_frame is not None:
            self._on_first_frame()
        if not self.attached:
            self._start_services()

    @work(group="fleet", exit_on_error=False, name="start-services")
    async def _start_services(self) -> None:
        """Once the fleet is open: the socket at once, then the broadcasts and the contacts
        sync (see BACKGROUND_START_SECONDS)."""
        for worker in self.workers:
            if worker.name == "open-fleet":
                await worker.wait()
        if not getattr(self.services, "is_open", False):
            return  # the fleet did not open: the app is leaving with the reason
        services: Services = self.services  # type: ignore[assignment]
        try:
            await services.start_services(early_only=True)
            await asyncio.sleep(BACKGROUND_START_SECONDS)
            await services.start_services()
        except Exception as exc:
            log.exception("the broadcasts, the contacts sync or the socket could not start")
            self.post_message(FleetOpenFailed(str(exc) or type(exc).__name__))
            return
        # Everything made so far (modules, widgets, the fleet) lives as long as the
        # console: out of the collector's walks, which then take less from keystrokes.
        from linda_tui.bulk import keep_out_of_collections

        keep_out_of_collections()

    async def broadcast_engine(self) -> Any:
        """The broadcasts (local, or the host's), once started: they start just after
        the first frame, and an operator's key pressed before that waits for them
        instead of being told there are none. None when this Linda runs no broadcasts."""
        wait_started = getattr(self.services, "wait_started", None)
        if wait_started is not None and getattr(self.services, "with_broadcasts", False):
            await wait_started()
        return self.services.broadcasts

    def on_fleet_opened(self, _message: FleetOpened) -> None:
        self.fleet_ready = True
        if not self.attached:
            self.record(Kind.INFO, "fleet started")
        else:
            self._ask_sync_status()

    @work(group="fleet", exit_on_error=False, name="sync-status")
    async def _ask_sync_status(self) -> None:
        """Attached: the host's sync line at once (events only tell of changes)."""
        from linda_tui.contacts.service import ContactsSyncStatus

        try:
            status = await self.services.contacts.current_status()  # type: ignore[union-attr]
        except Exception:
            log.exception("could not ask the host for the contacts sync's state")
            return
        if isinstance(status, ContactsSyncStatus) and self.sync_state is None:
            self._take_sync_status(status)

    def on_fleet_open_failed(self, message: FleetOpenFailed) -> None:
        # Nothing works without the fleet (store unreachable, another Linda running):
        # leave with the reason, like a command would.
        # run_console prints it once the terminal is restored, as one plain line.
        self.exit_reason = message.reason
        self.exit(0, return_code=1)

    # --- fleet events -> panes and the activity log -----------------------------------------
    def _on_fleet_event(self, event: FleetEvent) -> None:
        # Called by the fleet on the loop's thread, thousands of times a second under
        # load. Events queue here and reach the UI as one message per turn of the app's
        # message loop: a keystroke waits behind one batch, never behind thousands of
        # messages, and a burst of status changes is one redraw.
        self._fleet_events.append(event)
        if not self._fleet_events_posted:
            self._fleet_events_posted = True
            self.post_message(FleetEventsArrived())

    def on_fleet_events_arrived(self, _message: FleetEventsArrived) -> None:
        self._fleet_events_posted = False
        events, self._fleet_events = self._fleet_events, []
        self._changed_bots: set[str] = set()
        for event in events:
            handler = _handler_for(type(event))
            if handler is not None:
                handler(self, event)
        if self._changed_bots:
            self.bots_changed.publish(frozenset(self._changed_bots))

    # One method per kind of event (see EVENT_HANDLERS).
    def _take_bot_status(self, event: BotStatusChanged) -> None:
        bot_id = event.status.id
        old = self._last_state.get(bot_id)
        if old is not event.state:
            self._last_state[bot_id] = event.state
            self._bot_state_moved(bot_id, old, event.state, event.detail)
        self._changed_bots.add(bot_id)

    def _take_message(self, event: MessageRecorded) -> None:
        self._message_updated(event.message)

    def _take_account_event(self, event: AccountEventForwarded) -> None:
        self._account_event(event.event)

    def _take_opt_out(self, event: OptedOut) -> None:
        # In the person's own words (STOP, توقف, unsubscribe...).
        said = _preview(event.text, 40)
        self.record(Kind.OPT_OUT, f"{event.phone} opted out: “{said}”", event.bot_id)

    def _take_error(self, event: FleetError) -> None:
        self.record(Kind.ERROR, event.message, event.bot_id)
        self.notify(event.message, title=event.bot_id or "Fleet", severity="error")

    def _take_campaign(self, event: CampaignProgress) -> None:
        self.campaign_updates.publish(event)
        if event.note:
            self.record(Kind.INFO, f"campaign {event.campaign.name}: {event.note}")

    def _take_sync_status(self, event: ContactsSyncStatus) -> None:
        self.sync_state = event
        self.set_sync_status(event.line(self.timezone))
        if event.last_error and not event.running:
            self.record(Kind.ERROR, f"Google Contacts sync failed: {event.last_error}")

    def _take_sync_progress(self, event: ContactsSyncProgress) -> None:
        self.sync_last_progress = event.progress
        self.sync_progress.publish(event)

    def _take_contacts_reloaded(self, event: ContactsReloaded) -> None:
        self.contacts_reloaded.publish(event.contacts)

    def _bot_state_moved(
        self, bot_id: str, old: BotState | None, new: BotState, detail: str | None
    ) -> None:
        if bot_id in self._restarting_pairing:
            if new is BotState.NOT_PAIRED and detail == CANCELLED:
                return  # the restart's own cancel
            if old is BotState.NOT_PAIRED:
                old = None  # where it is now, without the flicker
        said = f": {detail}" if detail else ""
        from_state = f"{STATE_WORD[old]} → " if old else ""
        severity = Kind.ERROR if new in (BotState.BANNED, BotState.ERROR) else Kind.STATE
        self.record(severity, f"{from_state}{STATE_WORD[new]}{said}", bot_id)
        if new in (BotState.BANNED, BotState.ERROR):
            self.notify(
                detail or STATE_WORD[new], title=f"{bot_id}: {STATE_WORD[new]}", severity="error"
            )
        elif new is BotState.LOGGED_OUT and old is BotState.ONLINE:
            self.notify(
                detail or "logged out", title=f"{bot_id} was logged out", severity="warning"
            )

    def _message_updated(self, message: models.Message) -> None:
        self.message_updates.publish(message)
        if message.direction is Direction.IN:
            preview = _preview(message.text)
            self.record(Kind.INBOUND, f"{message.peer}: {preview}", message.bot_id)
            self._notify_inbound(message)
        elif message.status is MessageStatus.FAILED:
            self.record(
                Kind.ERROR,
                f"to {message.peer} failed: {message.error or 'unknown reason'}",
                message.bot_id,
            )
        elif message.status is MessageStatus.SENT:
            self.record(Kind.OUTBOUND, f"{message.peer}: {_preview(message.text)}", message.bot_id)
        else:
            self.record(Kind.OUTBOUND, f"to {message.peer}: {message.status}", message.bot_id)

    def _notify_inbound(self, message: models.Message) -> None:
        """A toast per inbound message; a burst within INBOUND_TOAST_SECONDS shares one
        (fifty toasts at once would hide the screen and stall it)."""
        self._inbound_waiting.append(message)
        self._inbound_count += 1
        if self._inbound_timer is None:
            self._inbound_timer = self.set_timer(
                INBOUND_TOAST_SECONDS, self._flush_inbound, name="inbound-toasts"
            )

    def _flush_inbound(self) -> None:
        """Show what came in as one toast, in place of the previous one: replies to a
        campaign must not pile up over the screen. Held while a dialog is open, whose
        warning and buttons a toast would cover (the Activity pane lists them anyway)."""
        self._inbound_timer = None
        stack = self.screen_stack  # empty once the console is closing
        if not stack:
            return
        if isinstance(stack[-1], ModalScreen):
            self._inbound_timer = self.set_timer(
                INBOUND_TOAST_SECONDS, self._flush_inbound, name="inbound-toasts"
            )
            return
        waiting, count = list(self._inbound_waiting), self._inbound_count
        self._inbound_waiting.clear()
        self._inbound_count = 0
        if not waiting:
            return
        if count == 1:
            message = waiting[0]
            text, title = _preview(message.text), f"{message.peer} → {message.bot_id}"
        else:
            lines = [f"{m.peer} → {m.bot_id}: {_preview(m.text, 40)}" for m in waiting]
            more = count - len(lines)
            if more:
                lines.insert(0, f"… and {more:,} more (see Activity, key 5)")
            text, title = "\n".join(lines), f"{count:,} new messages"
        if self._inbound_toast is not None and self._inbound_toast in self._notifications:
            self._unnotify(self._inbound_toast, refresh=False)
        toast = Notification(
            printable(text), printable(title), "information", self.NOTIFICATION_TIMEOUT
        )
        self._inbound_toast = toast
        self.post_message(Notify(toast))

    def _account_event(self, event: AccountEvent) -> None:
        self.account_events.publish(event)
        if isinstance(event, QRCodeIssued) and event.index == 0:
            self.record(Kind.PAIRING, "pairing: QR code issued", event.bot_id)
        elif isinstance(event, PairCodeIssued):
            self.record(Kind.PAIRING, "pairing: phone code issued", event.bot_id)
        elif isinstance(event, PairingSucceeded):
            self.record(Kind.PAIRING, "paired with the phone", event.bot_id)
        elif isinstance(event, PairingTimedOut):
            self.record(Kind.PAIRING, "pairing timed out", event.bot_id)
        elif isinstance(event, PairingFailed):
            if event.reason != CANCELLED:
                self.record(Kind.PAIRING, f"pairing failed: {event.reason}", event.bot_id)
            elif event.bot_id not in self._restarting_pairing:
                # The operator stopped it: not a failure.
                self.record(Kind.PAIRING, "pairing cancelled", event.bot_id)
        if isinstance(event, _PAIRING_EVENTS) and getattr(event, "reason", None) != CANCELLED:
            # A new code, a success, a real failure or a timeout: any restart is over.
            self._restarting_pairing.discard(event.bot_id)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast, always plain text: Linda's notifications quote messages, names, numbers
        and reasons from outside, which must never be read as markup (``[/]`` would crash
        the console, ``[@click=app.quit]`` would become a button). ``markup`` is accepted
        for Textual's signature (widgets pass True) and ignored."""
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_help_quit(self) -> None:
        # Textual's own version of this hint uses markup, which notify no longer reads.
        key = self.key_for("linda.quit", "q")
        self.notify(f"Press {key} to quit Linda (every bot goes offline)", title="Quit?")

    def key_for(self, binding_id: str, default: str) -> str:
        """The key a binding has now (bots.yaml's keys: may remap it), as shown."""
        keys = self._keymap.get(binding_id, default)
        return self.get_key_display(Binding(keys.split(",")[0], ""))

    def pairing_restarted(self, bot_id: str, method: PairMethod) -> None:
        """The pairing screen restarts a live pairing (QR ⇄ phone code, or again): the
        cancel this takes is no failure, and the bot's brief "not paired" no news."""
        self._restarting_pairing.add(bot_id)
        what = "a QR code" if method is PairMethod.QR else "a phone code"
        self.record(Kind.PAIRING, f"pairing: switching to {what}", bot_id)

    def record(self, kind: Kind, text: str, bot_id: str | None = None) -> None:
        """Add an entry to the activity log (and tell the Activity pane)."""
        entry = ActivityEntry(at=self.clock.now(), kind=kind, text=text, bot_id=bot_id)
        self.activity.add(entry)
        self.activity_added.publish(entry)

    def sync_line(self, width: int) -> str:
        """The sync line as it best fits width cells (see ContactsSyncStatus.line)."""
        if self.sync_state is None:
            return self.sync_status
        return self.sync_state.line(self.timezone, width)

    def set_sync_status(self, text: str) -> None:
        """The Google Contacts sync line on the dashboard (the sync issue drives it)."""
        self.sync_status = text
        self.sync_status_changed.publish(text)

    # --- actions on one bot (the dashboard and the command palette) ------------------------
    def pair_bot(self, bot_id: str) -> None:
        """Open the pairing screen, unless the bot is already linked and online."""
        status = self.fleet.status(bot_id)
        if status.paired and status.state is BotState.ONLINE:
            self.notify(
                f"{bot_id} is already paired and online — log it out (l) to link another phone",
                severity="warning",
            )
            return

        # The QR code libraries load with the pairing screen, not at start-up.
        from linda_tui.tui.screens.pairing import PairingScreen

        def done(paired: bool | None) -> None:
            if paired:
                self.notify(f"{status.bot.name} is linked — it is coming online", title="Paired")

        self.push_screen(PairingScreen(bot_id), done)

    def cancel_pairing(self, bot_id: str) -> None:
        self._restarting_pairing.discard(bot_id)  # this cancel is news
        self._run_fleet_command(
            f"cancel pairing of {bot_id}", lambda: self.fleet.cancel_pairing(bot_id)
        )

    def reconnect_bot(self, bot_id: str) -> None:
        if not self.fleet.status(bot_id).paired:  # no session: nothing to reconnect with
            key = self.key_for("linda.dashboard.pair", "p")
            self.notify(f"{bot_id} is not paired — press {key} to pair it", severity="warning")
            return
        self.notify(f"Reconnecting {bot_id}…")
        self._run_fleet_command(f"reconnect {bot_id}", lambda: self.fleet.reconnect(bot_id))

    def logout_bot(self, bot_id: str) -> None:
        """Ask first; then unlink the bot's device and delete its session."""
        status = self.fleet.status(bot_id)
        if not status.paired:
            self.notify(f"{bot_id} is not paired — nothing to log out", severity="warning")
            return

        from linda_tui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_fleet_command(
                    f"log out {bot_id}",
                    lambda: self.fleet.logout(bot_id),
                    done=f"{bot_id} is logged out",
                )

        self.push_screen(
            ConfirmScreen(
                f"Log out {status.bot.name} ({bot_id})?",
                f"This unlinks {status.bot.phone} from Linda and deletes its session. "
                "To use this bot again you will have to pair it with the phone.",
                "Log out",
            ),
            answered,
        )

    async def compose_from(self, bot_id: str) -> None:
        """Open Compose with this bot as the sender."""
        from linda_tui.tui.screens.compose import ComposeScreen

        await self.switch_mode("compose")
        screen = self.screen
        if isinstance(screen, ComposeScreen):
            screen.preselect(bot_id)

    @work(group="fleet-commands", exit_on_error=False)
    async def _run_fleet_command(
        self, what: str, command: Callable[[], Awaitable[None]], done: str | None = None
    ) -> None:
        try:
            await command()
        except Exception as exc:
            self.notify(f"Could not {what}: {exc}", severity="error")
            self.record(Kind.ERROR, f"could not {what}: {exc}")
            return
        if done:
            self.notify(done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return None
        return True

    # --- quitting -----------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Stop every client, then leave; first ask, if Compose holds a draft or is
        sending. Quitting again while asked, or while stopping, leaves at once."""
        if self._quitting:
            self.exit(0)
            return
        unsent = None if self._asking_to_quit else self._unsent_work()
        others = 0 if self._asking_to_quit or self.host is None else self.host.clients
        if unsent is not None or others:
            self._ask_to_quit(unsent, others)
            return
        self._stop_and_leave()

    def _stop_and_leave(self) -> None:
        self._quitting = True
        if not self.attached:
            self.notify("Stopping every bot…", timeout=SHUTDOWN_SECONDS)
        self._close_then_exit()

    def _unsent_work(self) -> str | None:
        """What quitting would lose in Compose (a draft, a send under way), if anything."""
        return None if self.compose_pane is None else self.compose_pane.unsent_work()

    def _ask_to_quit(self, unsent: str | None, others: int = 0) -> None:
        from linda_tui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            self._asking_to_quit = False
            if yes and not self._quitting:
                self._stop_and_leave()

        self._asking_to_quit = True
        lost = f"{unsent}. " if unsent else ""
        if self.attached:
            what = (
                "Quitting closes this console only: the bots keep running in the Linda "
                "this console is attached to."
            )
            title, button = "Quit this console?", "Quit"
        elif others:
            consoles = "1 other Linda is" if others == 1 else f"{others} other Lindas are"
            what = (
                f"{consoles} attached to this one. Quitting stops every bot for everyone: "
                "they all go offline, and the attached consoles close."
            )
            title, button = "Stop the fleet for everyone?", "Stop for everyone"
        else:
            what = (
                "Quitting stops every bot: they all go offline, and nothing is sent or "
                "received until Linda is started again."
            )
            title, button = "Quit Linda?", "Quit"
        self.push_screen(ConfirmScreen(title, f"{lost}{what}", button), answered)

    def action_show_keys(self) -> None:
        """The key help for the pane on show (? again, or esc, closes it)."""
        from linda_tui.tui.screens.key_help import KeyHelpScreen

        if isinstance(self.screen, KeyHelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(KeyHelpScreen(self.screen))

    @work(group="shutdown", exit_on_error=False)
    async def _close_then_exit(self) -> None:
        await self.close_fleet()
        self.exit(0)

    async def close_fleet(self) -> None:
        """Stop the fleet and close the store, bounded in time. Safe to call twice."""
        if self._fleet_closing is None:
            self._fleet_closing = asyncio.create_task(self._close_fleet_once())
        await asyncio.shield(self._fleet_closing)

    async def _close_fleet_once(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.attached:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.services.close(), timeout=SHUTDOWN_SECONDS)
            log.info("detached from the Linda that runs the fleet; its bots keep running")
            return
        for worker in self.workers:
            if worker.group == "fleet":
                worker.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.wait(), timeout=SHUTDOWN_SECONDS)
        try:
            await asyncio.wait_for(self.services.close(), timeout=SHUTDOWN_SECONDS)
            log.info("every bot stopped and the store closed")
        except TimeoutError:
            log.error("the fleet did not stop within %s s; leaving anyway", SHUTDOWN_SECONDS)
        except Exception:
            log.exception("closing the fleet failed")

    async def on_unmount(self) -> None:
        # Every way out (quit, ctrl+c, a test ending) stops the clients.
        await self.close_fleet()
        self._release_signals()

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if driver.__module__ == "textual.drivers.linux_driver":
            # The same driver, safe when the terminal hangs up (see terminal_driver).
            from linda_tui.tui.terminal_driver import LindaDriver

            return LindaDriver
        return driver


_PAIRING_EVENTS = (QRCodeIssued, PairCodeIssued, PairingSucceeded, PairingTimedOut, PairingFailed)

# Which method of the app takes each kind of event, by class name: the broadcast and
# contacts events are looked up the same way without being imported at start-up. An
# event of a subclass goes to its nearest listed class; an unlisted one is ignored.
EVENT_HANDLERS: dict[str, Callable[[LindaApp, Any], None]] = {
    "BotStatusChanged": LindaApp._take_bot_status,
    "MessageRecorded": LindaApp._take_message,
    "AccountEventForwarded": LindaApp._take_account_event,
    "OptedOut": LindaApp._take_opt_out,
    "FleetError": LindaApp._take_error,
    "CampaignProgress": LindaApp._take_campaign,
    "ContactsSyncStatus": LindaApp._take_sync_status,
    "ContactsSyncProgress": LindaApp._take_sync_progress,
    "ContactsReloaded": LindaApp._take_contacts_reloaded,
}
_HANDLER_OF_TYPE: dict[type, Callable[[LindaApp, Any], None] | None] = {}


def _handler_for(kind: type) -> Callable[[LindaApp, Any], None] | None:
    """The handler of an event type (its nearest ancestor's), looked up once per type."""
    try:
        return _HANDLER_OF_TYPE[kind]
    except KeyError:
        found = next(
            (EVENT_HANDLERS[c.__name__] for c in kind.__mro__ if c.__name__ in EVENT_HANDLERS), None
        )
        _HANDLER_OF_TYPE[kind] = found
        return found


def force_exit(sig: signal.Signals, why: str) -> None:
    """Leave now, whatever is still running: a second signal, or a shutdown that hung.
    The instance lock goes with the process, and the store's journal keeps it whole."""
    log.error("%s: %s — leaving at once", sig.name, why)
    logging.shutdown()
    os._exit(128 + sig.value)


def _preview(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def create_app(
    services: Running,
    *,
    clock: Clock | None = None,
    demo: bool = False,
    timezone: tzinfo = UTC,
    cursor_blink: bool = True,
    on_first_frame: Callable[[], None] | None = None,
    host: HostServer | None = None,
    keymap: dict[str, str] | None = None,
) -> LindaApp:
    """The console for built (not yet opened) services, or a host's through its socket.
    Tests pass a simulated fleet, a FixedClock and ``cursor_blink=False``."""
    return LindaApp(
        services,
        clock=clock or SystemClock(),
        demo=demo,
        timezone=timezone,
        cursor_blink=cursor_blink,
        on_first_frame=on_first_frame,
        host=host,
        keymap=keymap,
    )


def run_console(
    runtime: Runtime,
    *,
    on_first_frame: Callable[[], None] | None = None,
    advise: Callable[[str], str] | None = None,
) -> int:
    """Run the console for a resolved configuration; returns the exit code.

    When a Linda already runs the fleet of this sessions folder, the console attaches to
    it; otherwise this console hosts: it runs the fleet, the broadcasts, the contacts
    sync and the socket other Lindas attach by. ``advise`` rewrites the line the console
    leaves with (the command line gives the commands it names their global options)."""
    from linda_tui.logsetup import configure_logging, current_log_file

    advise = advise or _as_is

    if runtime.fleet.keys:
        # Keys remapped in bots.yaml: a key that clashes would leave a binding that
        # cannot be reached (quit, say), so the console refuses as `config check` does.
        from linda_tui.tui.keymap import clashing_keys, unknown_bindings

        problems = unknown_bindings(runtime.fleet.keys) + clashing_keys(runtime.fleet.keys)
        if problems:
            for problem in problems:
                sys.stderr.write(f"linda: {printable(problem)}\n")
            return 2
    runtime.prepare_folders()
    if current_log_file() is None:
        configure_logging(runtime.log_file, runtime.settings.log_level)
    if not _host_socket(runtime).exists():
        # Nobody hosts (no socket; a stale one is found out by trying): host, without
        # loading what attaching takes.
        return _hosting(runtime, on_first_frame, advise)
    try:
        code = asyncio.run(_attached(runtime, on_first_frame, advise))
    except _NoHost:
        return _hosting(runtime, on_first_frame, advise)
    return code


def _host_socket(runtime: Runtime) -> SocketPath:
    from linda_tui.host.protocol import SOCKET_NAME
    from linda_tui.host.socket_path import SocketPath

    return SocketPath(runtime.sessions_dir, SOCKET_NAME)


def _as_is(text: str) -> str:
    return text


def _leave_line(text: str, advise: Callable[[str], str]) -> None:
    """The one line the console leaves with, on stderr: its commands with the run's
    global options, no terminal control from what it quotes (a path, a server's reply)."""
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
        sys.stderr.write(f"linda: {printable(advise(text))}\n")


class _NoHost(Exception):
    """No Linda answers on the sessions folder: this console hosts."""


async def _attached(
    runtime: Runtime, on_first_frame: Callable[[], None] | None, advise: Callable[[str], str]
) -> int:
    from linda_tui.host.client import HostGoneError
    from linda_tui.host.protocol import ProtocolError
    from linda_tui.host.remote import RemoteServices

    try:
        remote = await RemoteServices.attach(runtime.sessions_dir)
    except (ProtocolError, HostGoneError, OSError, TimeoutError) as exc:
        _leave_line(f"cannot attach to the running Linda: {exc}", advise)
        return 1
    if remote is None:
        raise _NoHost
    try:
        await remote.open_store_for_reading(runtime.store_url)
    except Exception as exc:
        await remote.close()
        _leave_line(f"cannot read the store: {exc}", advise)
        return 1
    app = create_app(
        remote,
        demo=remote.demo,
        timezone=runtime.timezone,
        on_first_frame=on_first_frame,
        keymap=runtime.fleet.keys,  # each operator's own keys, whoever hosts
    )
    await app.run_async()
    if app.watchdog is not None:
        app.watchdog.cancel()
    _say_why(app, advise)
    return app.return_code or 0


def _hosting(
    runtime: Runtime, on_first_frame: Callable[[], None] | None, advise: Callable[[str], str]
) -> int:
    from linda_tui.fleet.lock import AlreadyRunningError
    from linda_tui.host.server import HostServer
    from linda_tui.services import Services

    clock = SystemClock()
    services = Services.for_runtime(runtime, clock=clock, broadcasts=True, contacts=True)
    host = HostServer(services, runtime.sessions_dir)
    services.add(host)
    services.lock.holder = "a console"
    services.lock.hosts = True
    # Refuse before the screen is taken over or any file is written (a command holds
    # the lock for a moment without hosting: try again once it is done).
    try:
        services.lock.acquire()
    except AlreadyRunningError as exc:
        _leave_line(str(exc), advise)  # it names a path
        return 1
    try:
        # Entered before the app is built: Textual keeps the terminal, Go's output goes
        # to the log file.
        with services.native_output():
            app = create_app(
                services,
                clock=clock,
                demo=runtime.demo,
                timezone=runtime.timezone,
                on_first_frame=on_first_frame,
                host=host,
                keymap=runtime.fleet.keys,
            )
            app.run()
            if app.watchdog is not None:
                app.watchdog.cancel()
    finally:
        services.lock.release()
    _say_why(app, advise)
    return app.return_code or 0


def _say_why(app: LindaApp, advise: Callable[[str], str]) -> None:
    if app.exit_reason:
        # The reason may quote a path or a server's reply: no terminal control gets out.
        _leave_line(app.exit_reason, advise)
