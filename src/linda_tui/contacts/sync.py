"""The Google Contacts sync: Google's address book into the store, and back for new numbers.

One run (``ContactsSync.run``):

1. Takes the store's ``contacts-sync`` lease, so a console and a `linda sync` on the
   same data never sync at once (the second is told who is syncing).
2. Lists the contacts: incrementally with the stored sync token, or in full (the first
   time, on request, or when Google no longer accepts the token: 400
   FAILED_PRECONDITION / EXPIRED_SYNC_TOKEN, 400 INVALID_ARGUMENT about the token, or
   410). Pages of 1000 (the most Google allows), written to the store as they arrive
   while the next ones are fetched and parsed; pages that arrive faster than they are
   stored share a transaction (up to WRITE_BATCH contacts), none waits for the network.
   - A full sync stamps every contact it lists with a generation id; only when its last
     page is stored are the contacts it did not list marked deleted, in the same
     transaction that saves the new sync token. A run that fails midway (network,
     server, a killed process) deletes nothing and saves no token: the earlier contacts
     stay searchable and the next run does the work again.
   - An incremental sync's last page and the new token land in one transaction.
3. References (the store's per-phone, per-bot records): each whose phone now belongs
   to a contact is marked synced with that contact's resource name. With
   ``create_from_whatsapp`` on, numbers first met on WhatsApp that Google does not
   have are created there (batchCreateContacts, at most 200 a call, backing off on the
   write quota) and marked synced, or failed with the reason.

Progress goes to a callback after every page; the result (and an entry in the audit
trail) says what changed. Every failure is a SyncError whose text is one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from linda_tui.clock import Clock, SystemClock
from linda_tui.contacts.errors import PeopleApiError, Problem, SyncTokenExpired
from linda_tui.contacts.lease import (
    HeldLease,
    LeaseBusy,
    LeaseLost,
    hold_lease,
    holder_label,
    make_holder,
)
from linda_tui.contacts.people_records import contact_from_person, parse_page
from linda_tui.fleet.actor import Actor, current_actor
from linda_tui.models import AuditEntry, Contact, ContactRef, SyncState, SyncStatus
from linda_tui.store.base import (
    ContactRefUpdate,
    Store,
    StoreError,
    SyncPage,
    SyncPageOutcome,
)

if TYPE_CHECKING:
    from linda_tui.config.runtime import Runtime
    from linda_tui.contacts.people_api import ConnectionsPage, RetryNotice

log = logging.getLogger(__name__)

LEASE_NAME = "contacts-sync"
PAGE_SIZE = 1000
BATCH_CREATE_SIZE = 200
# Contacts stored in one transaction at most, when pages come faster than they are
# stored: five pages of 1000. Bigger saves little more and delays the progress shown.
WRITE_BATCH = 5000
MAX_PAGES = 10_000  # 10 million contacts: a listing longer than this is a server loop
# Empty pages in a row that still point at a next one: a loop, not an address book.
MAX_EMPTY_PAGES = 50
MAX_REFS = 1_000_000
OWNER_BOT_KEY = "linda.owner_bot"  # clientData key on contacts Linda creates

FULL = "full"
INCREMENTAL = "incremental"


class SyncError(Exception):
    """A sync that could not run or finish; ``str()`` is one line: what — how to fix it."""

    def __init__(self, message: str, problem: Problem | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem


class SyncBusy(SyncError):
    """Another process (or task) is syncing right now."""


class PeopleSource(Protocol):
    """What the sync needs of the People API (PeopleClient is the real one)."""

    on_retry: Callable[[RetryNotice], None] | None

    async def list_connections(
        self, *, sync_token: str | None = None, page_token: str | None = None, page_size: int = ...
    ) -> ConnectionsPage: ...

    async def contact_group_names(self) -> dict[str, str]: ...

    async def batch_create_contacts(
        self, people: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


@dataclass
class SyncProgress:
    """Where a running sync is, for a live progress bar. ``total`` is Google's count of
    contacts on a full listing (None when unknown); ``note`` says what it waits for."""

    mode: str
    phase: str  # starting, listing, finishing, references, creating, waiting, done
    pages: int = 0
    fetched: int = 0
    total: int | None = None
    created: int = 0
    updated: int = 0
    deleted: int = 0
    created_in_google: int = 0
    elapsed: float = 0.0
    note: str | None = None


@dataclass(frozen=True)
class SyncResult:
    """What one sync did. ``contacts``: searchable contacts in the store afterwards."""

    mode: str
    fetched: int
    created: int
    updated: int
    deleted: int
    contacts: int
    pages: int
    elapsed: float
    full_reason: str | None = None  # why a full sync ran
    refs_synced: int = 0
    created_in_google: int = 0
    refs_failed: int = 0
    skipped: int = 0  # people Google sent without a usable resource name
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON values (`linda sync --json`)."""
        data = asdict(self)
        data["elapsed"] = round(self.elapsed, 3)
        data["warnings"] = list(self.warnings)
        return data


@dataclass
class _Counts:
    pages: int = 0
    fetched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    total: int | None = None

    def add(self, outcome: SyncPageOutcome, fetched: int, skipped: int) -> None:
        self.pages += 1
        self.fetched += fetched
        self.created += outcome.created
        self.updated += outcome.updated
        self.deleted += outcome.deleted
        self.skipped += skipped


@dataclass(frozen=True)
class _ParsedPage:
    """A page turned into contacts, waiting to be stored."""

    contacts: list[Contact]
    deleted: list[str]
    people: int  # people Google sent in the page
    skipped: int


class ContactsSync:
    """Syncs the store with one Google account's contacts. One instance lives as long
    as the console (or one `linda sync`); ``run()`` does one sync.

    ``connect`` makes a People API client for a run (PeopleClient.from_settings, which
    reads the credentials then, so a fixed key file is picked up without a restart);
    it raises PeopleApiError when the credentials are unusable.
    """

    def __init__(
        self,
        store: Store,
        connect: Callable[[], PeopleSource],
        *,
        region: str = "AE",
        create_from_whatsapp: bool = False,
        clock: Clock | None = None,
        holder: str | None = None,
        lease_ttl: float = 60.0,
        account: str = "default",
        actor: Actor | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store = store
        self.page_size = page_size  # 1000, the most Google allows; tests use less
        self._connect = connect
        self.region = region
        self.create_from_whatsapp = create_from_whatsapp
        self.clock = clock or SystemClock()
        self.holder = holder or make_holder("linda")
        self.lease_ttl = lease_ttl
        self.account = account
        self.actor = actor or current_actor()
        self._running = asyncio.Lock()

    @property
    def running(self) -> bool:
        """True while a run is in progress in this process."""
        return self._running.locked()

    async def run(
        self,
        *,
        full: bool = False,
        on_progress: Callable[[SyncProgress], None] | None = None,
        wait_for_lease: float = 0.0,
    ) -> SyncResult:
        """Sync once: incremental when a sync token is stored, else full (``full``
        forces it). Raises SyncBusy when another sync runs (after waiting up to
        ``wait_for_lease`` seconds for it), SyncError on any failure."""
        if self._running.locked():
            raise SyncBusy(
                "a Google Contacts sync is already running in this Linda — wait for it to finish"
            )
        async with self._running:
            try:
                async with hold_lease(
                    self.store,
                    LEASE_NAME,
                    self.holder,
                    self.clock,
                    ttl=self.lease_ttl,
                    wait=wait_for_lease,
                ) as lease:
                    return await self._run_held(full, on_progress, lease)
            except LeaseBusy as busy:
                until = busy.lease.expires_at.strftime("%H:%M:%S UTC")
                raise SyncBusy(
                    f"a Google Contacts sync is already running ({holder_label(busy.lease.holder)}, "
                    f"lease until {until}) — wait for it to finish, then try again"
                ) from None
            except StoreError as exc:
                raise SyncError(str(exc)) from None

    async def _run_held(
        self,
        full: bool,
        on_progress: Callable[[SyncProgress], None] | None,
        lease: HeldLease,
    ) -> SyncResult:
        started = time.monotonic()
        state = await self.store.get_sync_state(self.account)
        try:
            people = self._connect()
        except PeopleApiError as exc:
            await self._record_failure(exc.message)
            raise SyncError(exc.message, exc.problem) from None
        run = _Run(self, state, lease, on_progress, started)
        try:
            result = await run.execute(people, full)
        except PeopleApiError as exc:
            await self._record_failure(exc.message)
            raise SyncError(exc.message, exc.problem) from None
        except LeaseLost:
            message = (
                "this sync stalled and another Linda took it over — nothing to do: its sync "
                "carries on"
            )
            raise SyncError(message) from None
        finally:
            people.close()
            run.close()
        await self._audit(result)
        return result

    async def _record_failure(self, message: str) -> None:
        """Remember the error for the dashboard, keeping the token and dates."""
        try:
            state = await self.store.get_sync_state(self.account)
            await self.store.set_sync_state(replace(state, last_error=message))
            await self.store.add_audit(
                AuditEntry(
                    action="contacts-sync",
                    os_user=self.actor.os_user,
                    ssh_client=self.actor.ssh_client,
                    at=self.clock.now(),
                    detail={"ok": False, "error": message},
                )
            )
        except StoreError as exc:
            log.warning("could not record the sync failure: %s", exc)

    async def _audit(self, result: SyncResult) -> None:
        try:
            await self.store.add_audit(
                AuditEntry(
                    action="contacts-sync",
                    os_user=self.actor.os_user,
                    ssh_client=self.actor.ssh_client,
                    at=self.clock.now(),
                    detail={"ok": True, **result.to_dict()},
                )
            )
        except StoreError as exc:
            log.warning("could not write the sync to the audit trail: %s", exc)


class _Run:
    """The state of one sync run."""

    def __init__(
        self,
        sync: ContactsSync,
        state: SyncState,
        lease: HeldLease,
        on_progress: Callable[[SyncProgress], None] | None,
        started: float,
    ) -> None:
        self.sync = sync
        self.store = sync.store
        self.state = state
        self.lease = lease
        self.on_progress = on_progress
        self.started = started
        self.counts = _Counts()
        self.mode = FULL
        self.warnings: list[str] = []
        self.listing_without_token = False
        self.labels: dict[str, str] = {}
        self.created_in_google = 0
        # People are turned into contacts off the event loop (phone parsing is most of
        # the work), on a thread of the run's own: the default pool serves WhatsApp.
        self._parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="contacts-parse")

    def close(self) -> None:
        self._parser.shutdown(wait=False)

    # --- progress ---------------------------------------------------------------------

    def report(self, phase: str, note: str | None = None) -> None:
        if self.on_progress is None:
            return
        c = self.counts
        progress = SyncProgress(
            mode=self.mode,
            phase=phase,
            pages=c.pages,
            fetched=c.fetched,
            total=c.total,
            created=c.created,
            updated=c.updated,
            deleted=c.deleted,
            created_in_google=self.created_in_google,
            elapsed=time.monotonic() - self.started,
            note=note,
        )
        try:
            self.on_progress(progress)
        except Exception:  # a broken progress bar must not break the sync
            log.exception("sync progress callback failed")

    def _on_retry(self, notice: RetryNotice) -> None:
        self.report("waiting", f"{notice.reason}: {notice.what} again in {notice.delay:.0f} s")

    # --- the run --------------------------------------------------------------------------

    async def execute(self, people: PeopleSource, full: bool) -> SyncResult:
        people.on_retry = self._on_retry
        token = self.state.sync_token
        full_reason: str | None = None
        if full:
            full_reason = "asked for"
        elif not token:
            full_reason = "first sync"
        self.mode = FULL if full_reason else INCREMENTAL
        self.report("starting")
        self.labels = await people.contact_group_names()
        if self.mode == INCREMENTAL and token:
            try:
                await self._listing(people, token)
            except SyncTokenExpired as exc:
                log.info("sync token refused (%s): full sync", exc.message)
                # Google refuses a token that expired (7 days) or that it no longer knows
                # (400 INVALID_ARGUMENT, as the demo's server after a restart): which of
                # the two is not always said, so the reason names both.
                full_reason = "Google no longer accepts the stored sync token (expired or reset)"
                self.mode = FULL
                self.report("starting", "the sync token was refused: listing every contact")
        if self.mode == FULL:
            await self._listing(people, None)
        refs_synced, refs_failed = await self._references(people)
        contacts = await self.store.count_contacts()
        self.report("done")
        c = self.counts
        return SyncResult(
            mode=self.mode,
            fetched=c.fetched,
            created=c.created,
            updated=c.updated,
            deleted=c.deleted,
            contacts=contacts,
            pages=c.pages,
            elapsed=time.monotonic() - self.started,
            full_reason=full_reason,
            refs_synced=refs_synced,
            created_in_google=self.created_in_google,
            refs_failed=refs_failed,
            skipped=c.skipped,
            warnings=tuple(self.warnings),
        )

    async def _parse(
        self, page_people: list[dict[str, Any]]
    ) -> tuple[list[Contact], list[str], int]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._parser, parse_page, page_people, self.sync.region, self.labels
        )

    async def _listing(self, people: PeopleSource, sync_token: str | None) -> None:
        """Every page of one listing (full when sync_token is None), stored as it comes.

        Three stages overlap: while pages are written to the store (SQLite works outside
        the GIL), the next page is parsed and the one after fetched. Parsed pages wait
        for a write of their own only while the next page is already here, up to
        WRITE_BATCH contacts: the pages of one write share a transaction, and a commit
        per page cost most of what storing a sync costs (each rewrites thousands of the
        same index pages). Pages land in order; none waits for the network.
        """
        generation = uuid.uuid4().hex if sync_token is None else None
        seen_tokens: set[str] = set()

        def fetch(page_token: str | None) -> asyncio.Future[ConnectionsPage]:
            # Every page repeats the listing's sync token and fields; only the page
            # token changes (the API's contract).
            return asyncio.ensure_future(
                people.list_connections(
                    sync_token=sync_token, page_token=page_token, page_size=self.sync.page_size
                )
            )

        async def store_pages(
            pages: list[_ParsedPage], state: SyncState | None
        ) -> list[SyncPageOutcome]:
            self.lease.check()
            return await self.store.apply_sync_pages(
                [SyncPage(page.contacts, page.deleted) for page in pages],
                state if generation is None else None,
                generation=generation,
            )

        def landed(pages: list[_ParsedPage], outcomes: list[SyncPageOutcome]) -> None:
            for page, outcome in zip(pages, outcomes, strict=True):
                self.counts.add(outcome, page.people, page.skipped)
                self.report("listing")

        self.report("listing")
        pending: asyncio.Future[ConnectionsPage] = fetch(None)
        empty_in_a_row = 0
        writing: asyncio.Future[list[SyncPageOutcome]] | None = None
        written: list[_ParsedPage] = []  # the pages being written
        held: list[_ParsedPage] = []  # parsed pages not yet handed to the store
        try:
            while True:
                page = await pending
                last = page.next_page_token is None
                if not last:
                    assert page.next_page_token is not None
                    empty_in_a_row = 0 if page.people else empty_in_a_row + 1
                    if (
                        page.next_page_token in seen_tokens
                        or self.counts.pages >= MAX_PAGES
                        or empty_in_a_row >= MAX_EMPTY_PAGES
                    ):
                        raise PeopleApiError(
                            "the People API kept sending pages without end — check "
                            "LINDA_PEOPLE_API_ENDPOINT points at the People API",
                            Problem.BAD_REPLY,
                        )
                    seen_tokens.add(page.next_page_token)
                    pending = fetch(page.next_page_token)
                if page.total is not None and sync_token is None:
                    self.counts.total = page.total
                contacts, deleted, skipped = await self._parse(page.people)
                held.append(_ParsedPage(contacts, deleted, len(page.people), skipped))
                if not last and not self._write_now(held, pending):
                    continue
                state = self._final_state(page, sync_token) if last else None
                if writing is not None:
                    landed(written, await writing)
                written, held = held, []
                writing = asyncio.ensure_future(store_pages(written, state))
                if last:
                    landed(written, await writing)
                    writing = None
                    if generation is not None:
                        assert state is not None
                        self.report("finishing")
                        self.lease.check()
                        await self._check_untokened_listing()
                        self.counts.deleted += await self.store.finish_full_sync(generation, state)
                    return
        finally:
            if not pending.done():
                pending.cancel()
            elif not pending.cancelled():
                pending.exception()  # looked at, so asyncio does not warn about it
            if writing is not None:
                # A write under way is a whole transaction: let it land (or roll back)
                # before the sync ends, whatever ended it.
                with contextlib.suppress(Exception):
                    await writing

    @staticmethod
    def _write_now(held: list[_ParsedPage], pending: asyncio.Future[ConnectionsPage]) -> bool:
        """Whether to store the held pages now rather than with the next page: when the
        next one is not here yet (or failed), or enough are held."""
        if not pending.done() or pending.cancelled() or pending.exception() is not None:
            return True
        return sum(len(page.contacts) + len(page.deleted) for page in held) >= WRITE_BATCH

    async def _check_untokened_listing(self) -> None:
        """A full listing that ended without the sync token Linda asked for may not be
        the People API's (a proxy's or a portal's "{}"): finishing it is refused when it
        would delete contacts it did not list (an empty address book may be the reply
        of an account with no contacts, which deletes nothing)."""
        if self.listing_without_token and await self.store.count_contacts() > self.counts.fetched:
            raise PeopleApiError(
                "the People API ended a full listing without the sync token Linda asked "
                "for, so nothing was deleted — check LINDA_PEOPLE_API_ENDPOINT points at "
                "the People API",
                Problem.BAD_REPLY,
            )

    def _final_state(self, page: ConnectionsPage, sync_token: str | None) -> SyncState:
        now = self.sync.clock.now()
        token = page.next_sync_token
        if token is None and sync_token is None:
            # Linda asked for one (requestSyncToken): see _check_untokened_listing.
            self.listing_without_token = True
        if token is None:
            if sync_token is not None:
                token = sync_token  # replaying these changes next time is harmless
            self.warnings.append(
                "the People API sent no sync token: the next sync lists "
                + ("the same changes again" if sync_token else "every contact again")
            )
        return SyncState(
            account=self.sync.account,
            sync_token=token,
            last_full_sync=now if sync_token is None else self.state.last_full_sync,
            last_sync=now,
            last_error=None,
        )

    # --- references ------------------------------------------------------------------------

    async def _references(self, people: PeopleSource) -> tuple[int, int]:
        """Mark references whose phone Google has as synced; create the rest in Google
        when configured. Returns (references synced, references failed)."""
        self.report("references")
        refs = await self.store.list_contact_refs(None, limit=MAX_REFS)
        if not refs:
            return 0, 0
        now = self.sync.clock.now()
        found = await self.store.find_contacts_by_phones([ref.phone for ref in refs])
        updates: list[ContactRefUpdate] = []
        missing: dict[str, list[ContactRef]] = {}
        for ref in refs:
            contacts = found.get(ref.phone) or []
            if contacts:
                updates.append(
                    ContactRefUpdate(
                        ref.phone, ref.bot_id, SyncStatus.SYNCED, now, contacts[0].resource_name
                    )
                )
            elif ref.sync_status == SyncStatus.PENDING:
                missing.setdefault(ref.phone, []).append(ref)
            elif ref.sync_status == SyncStatus.SYNCED:
                # Its contact is gone from Google (deleted there, or the number taken
                # off it): said so, and not made again (someone removed it on purpose).
                updates.append(
                    ContactRefUpdate(
                        ref.phone,
                        ref.bot_id,
                        SyncStatus.FAILED,
                        now,
                        None,
                        "no longer in Google Contacts (deleted there, or the number removed)",
                    )
                )
        await self.store.set_contact_ref_statuses(updates)
        failed = sum(1 for update in updates if update.status is SyncStatus.FAILED)
        synced = len(updates) - failed
        if missing and self.sync.create_from_whatsapp:
            made, not_made = await self._create_in_google(people, missing)
            synced += made
            failed += not_made
        return synced, failed

    async def _create_in_google(
        self, people: PeopleSource, missing: Mapping[str, list[ContactRef]]
    ) -> tuple[int, int]:
        """Create a contact per number, 200 a call. Returns (references synced, failed)."""
        phones = list(missing)
        synced = failed = 0
        for start in range(0, len(phones), BATCH_CREATE_SIZE):
            batch = phones[start : start + BATCH_CREATE_SIZE]
            self.report("creating")
            bodies = [
                {
                    "phoneNumbers": [{"value": phone, "type": "mobile"}],
                    # The oldest reference's bot owns the number (see Store.owner_of).
                    "clientData": [{"key": OWNER_BOT_KEY, "value": missing[phone][0].bot_id}],
                }
                for phone in batch
            ]
            try:
                answers = await people.batch_create_contacts(bodies)
            except PeopleApiError as exc:
                if exc.retryable or exc.problem in (Problem.REJECTED, Problem.API_DISABLED):
                    # Quota, network or server: the rest stay pending for the next run,
                    # whose listing finds any that Google did create meanwhile.
                    self.warnings.append(
                        f"{len(phones) - start} numbers from WhatsApp are not in Google "
                        f"Contacts yet: {exc.message}"
                    )
                    break
                await self._mark(missing, batch, SyncStatus.FAILED, error=exc.message)
                failed += sum(len(missing[p]) for p in batch)
                continue
            created: list[Contact] = []
            updates: list[ContactRefUpdate] = []
            now = self.sync.clock.now()
            for phone, answer in zip(batch, answers, strict=True):
                person = answer.get("person")
                contact = (
                    contact_from_person(person, self.sync.region, self.labels)
                    if isinstance(person, dict)
                    else None
                )
                if contact is not None:
                    created.append(contact)
                    for ref in missing[phone]:
                        updates.append(
                            ContactRefUpdate(
                                phone, ref.bot_id, SyncStatus.SYNCED, now, contact.resource_name
                            )
                        )
                    synced += len(missing[phone])
                else:
                    status = answer.get("status")
                    reason = status.get("message") if isinstance(status, dict) else None
                    error = f"Google did not create the contact: {reason or 'no reason given'}"
                    for ref in missing[phone]:
                        updates.append(
                            ContactRefUpdate(phone, ref.bot_id, SyncStatus.FAILED, now, error=error)
                        )
                    failed += len(missing[phone])
            self.lease.check()
            if created:
                await self.store.upsert_contacts(created)
                self.counts.created += len(created)
                self.created_in_google += len(created)
            await self.store.set_contact_ref_statuses(updates)
        return synced, failed

    async def _mark(
        self,
        missing: Mapping[str, list[ContactRef]],
        phones: Sequence[str],
        status: SyncStatus,
        error: str | None = None,
    ) -> None:
        now = self.sync.clock.now()
        await self.store.set_contact_ref_statuses(
            [
                ContactRefUpdate(phone, ref.bot_id, status, now, error=error)
                for phone in phones
                for ref in missing[phone]
            ]
        )


def contacts_sync_for(
    runtime: Runtime,
    store: Store,
    *,
    clock: Clock | None = None,
    label: str = "linda sync",
    **client_options: Any,
) -> ContactsSync:
    """The sync for a run of Linda: its store, the account the settings name, the
    fleet's region and bots.yaml's ``contacts:`` settings. ``label`` names the holder
    in a "sync already running" message (console, linda sync, ...)."""
    settings = runtime.settings

    def connect() -> PeopleSource:
        # Imported here: the Google client libraries take most of a second to import,
        # and a console that never syncs should not pay for them.
        from linda_tui.contacts.people_api import PeopleClient

        return PeopleClient.from_settings(settings, **client_options)

    return ContactsSync(
        store,
        connect,
        region=runtime.fleet.default_region,
        create_from_whatsapp=runtime.fleet.contacts.create_from_whatsapp,
        clock=clock,
        holder=make_holder(label),
    )


async def sync_contacts(
    runtime: Runtime,
    store: Store,
    *,
    full: bool = False,
    on_progress: Callable[[SyncProgress], None] | None = None,
    wait_for_lease: float = 0.0,
) -> SyncResult:
    """Run one sync for this run of Linda (what `linda sync [--full]` does).
    Raises SyncError (SyncBusy when another sync is running) with a one-line reason."""
    return await contacts_sync_for(runtime, store).run(
        full=full, on_progress=on_progress, wait_for_lease=wait_for_lease
    )
