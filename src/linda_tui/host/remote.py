"""The fleet a host runs, as a command or an attached console sees it through the socket.

``RemoteServices`` stands where ``Services`` stands when this Linda did not bring the
fleet up itself: it has a ``fleet`` (a ``RemoteFleet``, answering the same questions as
the local one from a copy of every bot's status kept current by the host's events), the
same event stream, and the same operations, each one a request to the host.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from linda_tui.broadcast.events import CampaignProgress
from linda_tui.clock import Clock, SystemClock
from linda_tui.config.models import FleetConfig
from linda_tui.fleet.events import BotStatusChanged, FleetEvent
from linda_tui.fleet.manager import SendResult
from linda_tui.fleet.status import BotStatus
from linda_tui.fleet.view import (
    AUTO,
    FleetCommandError,
    FleetView,
    SendRefusedError,
    UnknownBotError,
)
from linda_tui.host import protocol
from linda_tui.host.client import HostClient, HostGoneError, HostRequestError
from linda_tui.host.codec import WireError, from_wire
from linda_tui.models import Campaign, Contact, UncertainAction
from linda_tui.store.base import Store
from linda_tui.whatsapp.account import PairMethod

if TYPE_CHECKING:  # the audience modules load phonenumbers: only when a broadcast needs them
    from linda_tui.broadcast.audience_contacts import ContactEntries

log = logging.getLogger("linda.host.remote")

# Results asked of the host per request when a caller wants more (the host answers at
# most server.MAX_PAGE; a page of contacts stays well under the protocol's line limit).
PAGE = 500


class HostLostError(FleetCommandError):
    """The host went away in the middle of something; the message says so."""


def _raise_for(exc: HostRequestError | HostGoneError) -> NoReturn:
    """A host's refusal as the same error a local fleet would raise."""
    if isinstance(exc, HostGoneError):
        raise HostLostError(str(exc)) from None
    if exc.kind == protocol.USAGE:
        raise UnknownBotError(str(exc)) from None
    raise SendRefusedError(str(exc)) from None


class RemoteFleet(FleetView):
    """The host's fleet: statuses mirrored from its events, operations sent to it."""

    def __init__(self, client: HostClient, config: FleetConfig, clock: Clock) -> None:
        super().__init__(config, clock)
        self._client = client
        self.timezone: tzinfo = UTC
        bots = client.welcome.get("bots") or []
        for status in from_wire(bots):
            if isinstance(status, BotStatus):
                self._status[status.id] = status

    def take(self, event: FleetEvent) -> None:
        """An event from the host: keep the bots' copy current, then tell listeners."""
        if isinstance(event, BotStatusChanged):
            self._status[event.status.id] = event.status
        self._publish(event)

    async def _ask(self, op: str, **args: Any) -> Any:
        try:
            return await self._client.request(op, **args)
        except (HostRequestError, HostGoneError) as exc:
            _raise_for(exc)

    async def send(self, to: str, text: str, bot: str = AUTO) -> list[SendResult]:
        return list(await self._ask("send", to=to, text=text, bot=bot))

    async def pair(
        self, bot_id: str, method: PairMethod = PairMethod.QR, phone: str | None = None
    ) -> None:
        await self._ask("pair", bot=bot_id, method=str(method), phone=phone)

    async def cancel_pairing(self, bot_id: str) -> None:
        await self._ask("cancel_pairing", bot=bot_id)

    async def logout(self, bot_id: str) -> None:
        await self._ask("logout", bot=bot_id)

    async def reconnect(self, bot_id: str) -> None:
        await self._ask("reconnect", bot=bot_id)

    async def refresh(self) -> None:
        """Ask the host for every bot's status now (the events keep it current after)."""
        status = await self._ask("status")
        for bot in status["bots"]:
            self._status[bot.id] = bot


class RemoteBroadcasts:
    """The host's broadcast engine: the same operations, each a request."""

    def __init__(self, fleet: RemoteFleet) -> None:
        self._fleet = fleet

    async def start_campaign(self, campaign_id: int | str) -> Campaign:
        return await self._fleet._ask("broadcast_start", campaign=campaign_id)  # type: ignore[no-any-return]

    async def pause(self, campaign_id: int | str) -> Campaign:
        return await self._fleet._ask("broadcast_pause", campaign=campaign_id)  # type: ignore[no-any-return]

    async def resume(self, campaign_id: int | str) -> Campaign:
        return await self._fleet._ask("broadcast_resume", campaign=campaign_id)  # type: ignore[no-any-return]

    async def cancel(self, campaign_id: int | str) -> Campaign:
        return await self._fleet._ask("broadcast_cancel", campaign=campaign_id)  # type: ignore[no-any-return]

    async def progress(self, campaign_id: int | str) -> CampaignProgress:
        return await self._fleet._ask("broadcast_progress", campaign=campaign_id)  # type: ignore[no-any-return]

    async def resolve(
        self,
        campaign_id: int | str,
        phones: Sequence[str] | None,
        action: UncertainAction,
        audit: object | None = None,
    ) -> int:
        return int(
            await self._fleet._ask(
                "broadcast_resolve",
                campaign=campaign_id,
                phones=list(phones) if phones is not None else None,
                action=str(action),
            )
        )


class RemoteContacts:
    """The host's Google Contacts sync."""

    def __init__(self, fleet: RemoteFleet) -> None:
        self._fleet = fleet

    async def run_now(self, *, full: bool = False) -> Any:
        return await self._fleet._ask("contacts_sync", full=full)

    async def current_status(self) -> Any:
        """The host's sync state now (ContactsSyncStatus), None when it does not sync."""
        return await self._fleet._ask("contacts_status")


class RemoteServices:
    """What ``Services`` offers, served by the host of a sessions folder."""

    def __init__(self, client: HostClient, fleet: RemoteFleet) -> None:
        self.client = client
        self.fleet = fleet
        self.clock = fleet.clock
        self.demo = bool(client.welcome.get("demo"))
        self.remote = True
        self.network = None  # the demo phone is reached through demo_phone()
        # The store, opened by this process for reading (campaign lists, a contact's
        # messages): SQLite in WAL mode and MongoDB both serve several processes. Every
        # change goes through the host. None until open_store_for_reading().
        self.store: Store | None = None
        self.broadcasts = RemoteBroadcasts(fleet)
        self.contacts = RemoteContacts(fleet)

    @classmethod
    async def attach(
        cls, sessions_dir: Path, config: FleetConfig | None = None, *, clock: Clock | None = None
    ) -> RemoteServices | None:
        """Attach to the host of sessions_dir; None when no Linda is hosting there. The
        fleet's configuration is the host's (bots.yaml may have changed since it
        started); ``config`` only stands in if the host sent none."""
        holder: list[RemoteFleet] = []

        def on_event(event: FleetEvent) -> None:
            if holder:
                holder[0].take(event)

        client = await HostClient.connect(sessions_dir, on_event=on_event)
        if client is None:
            return None
        try:
            hosts = client.welcome.get("fleet")
            fleet_config = from_wire(hosts, FleetConfig) if hosts is not None else config
            if fleet_config is None:
                raise WireError("the running Linda did not say which fleet it runs")
            fleet = RemoteFleet(client, fleet_config, clock or SystemClock())
        except WireError:
            await client.close()
            raise
        holder.append(fleet)
        return cls(client, fleet)

    @property
    def host_pid(self) -> int | None:
        return self.client.host_pid

    def subscribe(self, listener: Callable[[FleetEvent], None]) -> Callable[[], None]:
        return self.fleet.subscribe(listener)

    def when_gone(self, listener: Callable[[str], None]) -> None:
        """Call listener(reason) when the host hangs up."""
        self.client.when_gone(listener)

    async def search_contacts(self, query: str, limit: int = 50) -> list[Contact]:
        return [hit.contact for hit in await self.search_hits(query, limit=limit)]

    async def search_hits(self, query: str, limit: int = 50) -> list[Any]:
        """The host's search results, as many as a local search would give: asked for
        a page at a time (the host answers at most MAX_PAGE per request)."""
        return await self._pages("search_hits", limit, 0, query=query)

    def search_now(self, query: str, limit: int = 50) -> None:
        """Never at once: the index is in the host's process (see search_hits)."""
        return None

    def sorted_now(self, limit: int = 50, offset: int = 0) -> None:
        """Never at once: the index is in the host's process (see sorted_contacts)."""
        return None

    async def sorted_contacts(self, limit: int = 50, offset: int = 0) -> list[Contact]:
        """The host's contacts in name order (an empty search), from offset."""
        return await self._pages("sorted_contacts", limit, offset)

    async def _pages(self, op: str, limit: int, offset: int, **args: Any) -> list[Any]:
        found: list[Any] = []
        page_size = PAGE
        while len(found) < limit:
            size = min(page_size, limit - len(found))
            page = await self._page(op, limit=size, offset=offset + len(found), **args)
            if page is None:  # too large for one line (long records): smaller pages
                page_size = max(1, size // 2)
                continue
            found += page
            if len(page) < size:
                break
        return found

    async def _page(self, op: str, **args: Any) -> list[Any] | None:
        """One page, or None when the host says it would not fit on one line (and a
        smaller page would)."""
        try:
            return list(await self.client.request(op, **args))
        except HostRequestError as exc:
            if exc.kind == protocol.TOO_LARGE and args.get("limit", 1) > 1:
                return None
            _raise_for(exc)
        except HostGoneError as exc:
            _raise_for(exc)

    async def contact_entries(
        self, query: str | None = None, label: str | None = None
    ) -> ContactEntries:
        """Who a broadcast to contacts reaches, resolved by the host (the same people
        its own console would plan), fetched a page at a time."""
        from linda_tui.broadcast.audience_contacts import ContactEntries

        entries: list[tuple[str, dict[str, str]]] = []
        source = ""
        page_size = PAGE
        while True:
            try:
                page = await self.client.request(
                    "contact_entries",
                    query=query,
                    label=label,
                    offset=len(entries),
                    limit=page_size,
                )
            except HostRequestError as exc:
                if exc.kind == protocol.TOO_LARGE and page_size > 1:
                    page_size //= 2  # long names: smaller pages
                    continue
                _raise_for(exc)
            except HostGoneError as exc:
                _raise_for(exc)
            source = str(page["source"])
            rows = list(page["entries"])
            entries += [(str(phone), dict(variables)) for phone, variables in rows]
            if not rows or len(entries) >= int(page["total"]):
                return ContactEntries(entries, source)

    async def demo_phone(self, bot_id: str, method: PairMethod = PairMethod.QR) -> bool:
        """Under --demo: the simulated phone scans the code (or types the phone code)."""
        return bool(await self.fleet._ask("demo_phone", bot=bot_id, method=str(method)))

    async def open_store_for_reading(self, store_url: str) -> None:
        """Open the store this host uses, for this process's reads."""
        from linda_tui.store import open_store

        store = open_store(store_url)
        await store.open()
        self.store = store

    async def open(self) -> None:
        """Attached already: nothing more to open."""

    async def close(self) -> None:
        """Hang up (the host and its bots keep running) and close the reading store."""
        await self.client.close()
        if self.store is not None:
            store, self.store = self.store, None
            await store.close()

    async def __aenter__(self) -> RemoteServices:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextlib.contextmanager
    def native_output(self) -> Iterator[None]:
        """No neonize client runs here: nothing to redirect."""
        yield


async def wait_for_host_reply(awaitable: Any, timeout: float) -> Any:
    """await with a bound, as a HostLostError when the host does not answer in time."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise HostLostError(f"the running Linda did not answer within {timeout:g} s") from None
