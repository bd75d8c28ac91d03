"""The store: one async interface for every record Linda keeps.

Two backends implement it (SQLite by default, MongoDB when the store URL says so)
and one contract test suite runs against both. Every query about one bot takes
the bot id and filters by it. Methods that write several records at once are
atomic: all of it lands, or none of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from linda_tui.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Claim,
    Contact,
    ContactRef,
    Direction,
    Lease,
    Message,
    MessageStatus,
    NewRecipient,
    OptOut,
    Recipient,
    RecipientStatus,
    SyncState,
    SyncStatus,
    UncertainAction,
)

# Recipients read per page where a count has to list them.
_COUNT_PAGE = 5000


@dataclass(frozen=True)
class StatusUpdate:
    """One receipt to apply: the bot's message with this WhatsApp id moves to status."""

    bot_id: str
    wa_id: str
    status: MessageStatus
    at: datetime
    error: str | None = None


@dataclass(frozen=True)
class ContactRefUpdate:
    """One reference's new sync status (see Store.set_contact_ref_status)."""

    phone: str
    bot_id: str
    status: SyncStatus
    at: datetime
    resource_name: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SyncPageOutcome:
    """What one applied page of a Google sync changed in the store.

    created: contacts new to the store (or back after being deleted); updated: contacts
    already there whose etag changed; deleted: contacts that went from searchable to
    deleted. A contact written again with the same etag counts in none of them.
    """

    created: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class SyncPage:
    """One page of a Google sync as the store applies it (see Store.apply_sync_pages)."""

    upserts: Sequence[Contact]
    deleted: Sequence[str] = ()


class InboundRecord(NamedTuple):
    """What Store.record_inbound did with an inbound message."""

    message: Message  # as stored (the earlier copy when WhatsApp delivered it again)
    ref: ContactRef  # the sender's reference owned by the bot written to
    ref_created: bool  # the reference is new
    new: bool  # False: this WhatsApp message was stored before (a redelivery)


class StoreError(Exception):
    """The store cannot be used; the message says why and how to fix it."""


class TransientStoreError(StoreError):
    """The store failed for a reason that passes by itself (a MongoDB election, a lost
    connection, a SQLite file locked for a moment): the same write may be tried again.
    Every write a caller retries is idempotent or checked, so a retry never doubles it."""


# When the caller stops waiting for the write under way (time.monotonic()), or None: a
# store that retries inside one call (MongoDB reruns a transaction through an election,
# for up to 120 s) gives up by then, so a caller's own bounded retries stay bounded.
retry_deadline: ContextVar[float | None] = ContextVar("linda_store_retry_deadline", default=None)


def not_unicode() -> StoreError:
    """The error for text that cannot be encoded: a lone surrogate, which is what bytes
    that were not UTF-8 become on a command line (or "\\udcff" in JSON)."""
    return StoreError(
        "the text holds bytes that are not UTF-8 (a lone surrogate), which the store "
        "cannot hold; nothing of it was saved — write it again in UTF-8"
    )


class Store(ABC):
    """Every record Linda keeps. Open with ``await store.open()``; close with ``close()``."""

    url: str

    # --- lifecycle -----------------------------------------------------------
    @abstractmethod
    async def open(self) -> None:
        """Connect, create or migrate the schema / indexes. Raises StoreError."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int:
        """The schema version the store is at."""

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- contacts (the Google cache) ------------------------------------------
    @abstractmethod
    async def upsert_contacts(self, contacts: Sequence[Contact]) -> int:
        """Insert or replace contacts by resource name, atomically. Returns how many."""

    @abstractmethod
    async def get_contact(self, resource_name: str) -> Contact | None: ...

    @abstractmethod
    async def find_contacts_by_phone(self, phone: str) -> list[Contact]:
        """Non-deleted contacts that have this E.164 phone."""

    async def find_contacts_by_phones(self, phones: Sequence[str]) -> dict[str, list[Contact]]:
        """find_contacts_by_phone for many phones in few round trips: {phone: contacts}.

        Every phone asked for is a key (an empty list when nobody has it). Backends
        override this with a batched query; this default asks one phone at a time.
        """
        return {phone: await self.find_contacts_by_phone(phone) for phone in dict.fromkeys(phones)}

    @abstractmethod
    async def search_contacts(self, query: str, limit: int = 50) -> list[Contact]:
        """Non-deleted contacts whose name, phone, email or label contains query (case-insensitive)."""

    @abstractmethod
    async def list_contacts(self, after: str | None = None, limit: int = 1000) -> list[Contact]:
        """Non-deleted contacts by resource name, the page after ``after`` (None: the
        first): how the search index is loaded, page by page."""

    @abstractmethod
    async def count_contacts(self, include_deleted: bool = False) -> int: ...

    @abstractmethod
    async def mark_contacts_deleted(self, resource_names: Sequence[str]) -> int: ...

    # --- contact references (owner bot and sync status per phone) --------------
    @abstractmethod
    async def upsert_contact_ref(self, ref: ContactRef) -> None:
        """Insert or replace the reference for (phone, bot_id)."""

    @abstractmethod
    async def ensure_contact_ref(
        self, phone: str, bot_id: str, at: datetime | None = None
    ) -> tuple[ContactRef, bool]:
        """The reference for phone owned by bot_id, created pending if missing. (ref, created).

        at is the created date of a new reference (default: now)."""

    @abstractmethod
    async def owner_of(self, phone: str) -> ContactRef | None:
        """The oldest reference for this phone, across bots: its bot owns the contact."""

    @abstractmethod
    async def get_contact_ref(self, phone: str, bot_id: str) -> ContactRef | None: ...

    @abstractmethod
    async def list_contact_refs(
        self, bot_id: str | None, status: SyncStatus | None = None, limit: int = 1000
    ) -> list[ContactRef]:
        """References oldest first; bot_id None lists every bot's (the contacts sync)."""

    @abstractmethod
    async def set_contact_ref_status(
        self,
        phone: str,
        bot_id: str,
        status: SyncStatus,
        at: datetime,
        resource_name: str | None = None,
        error: str | None = None,
    ) -> bool: ...

    async def set_contact_ref_statuses(self, updates: Sequence[ContactRefUpdate]) -> int:
        """set_contact_ref_status for many references at once, atomically where the
        backend can (one transaction). Returns how many references exist and changed."""
        changed = 0
        for u in updates:
            changed += await self.set_contact_ref_status(
                u.phone, u.bot_id, u.status, u.at, u.resource_name, u.error
            )
        return changed

    # --- messages ------------------------------------------------------------
    @abstractmethod
    async def add_message(self, message: Message, audit: AuditEntry | None = None) -> Message:
        """Store a message (and, atomically with it, its audit entry when given);
        returns the message with its store id set."""

    @abstractmethod
    async def finish_send(self, message: Message, audit: AuditEntry | None = None) -> Message:
        """Record how a send ended. ``message`` is the intent that ``add_message`` stored
        before the send (its ``id`` set) with the outcome filled in: its status (sent or
        failed), WhatsApp id, times and error replace the stored row's, atomically with
        the audit entry. Returns the message as stored; StoreError when no such row."""

    @abstractmethod
    async def record_inbound(self, message: Message) -> InboundRecord:
        """Atomically store an inbound message and make sure its sender has a reference
        owned by the bot it wrote to.

        Idempotent: a message with a WhatsApp id is stored once per bot. WhatsApp
        delivers a message again after a reconnect, and a write retried after a lost
        connection may already have landed; then the stored copy comes back, unchanged,
        with ``new`` False."""

    @abstractmethod
    async def update_message_status(
        self,
        bot_id: str,
        wa_id: str,
        status: MessageStatus,
        at: datetime,
        error: str | None = None,
    ) -> Message | None:
        """Move the bot's message with this WhatsApp id forward to status (never backward,
        see STATUS_RANK) and stamp the matching *_at field. Returns the updated message,
        or None if there is no such message."""

    async def update_message_statuses(self, updates: Sequence[StatusUpdate]) -> list[Message]:
        """Apply many receipts at once (a backend may do it in one transaction): the
        messages that exist, after the update, in the order given."""
        result = []
        for u in updates:
            message = await self.update_message_status(u.bot_id, u.wa_id, u.status, u.at, u.error)
            if message is not None:
                result.append(message)
        return result

    @abstractmethod
    async def get_message(self, bot_id: str, wa_id: str) -> Message | None: ...

    @abstractmethod
    async def list_messages(
        self,
        bot_id: str | None = None,
        peer: str | None = None,
        limit: int = 100,
    ) -> list[Message]:
        """Newest first. bot_id None means the whole fleet (the activity view)."""

    @abstractmethod
    async def message_counts(self, since: datetime) -> dict[tuple[str, Direction], int]:
        """How many messages each bot sent (failed ones excluded) and received since a
        time, keyed by (bot id, direction); a pair with none is absent. One query for
        the whole fleet: the dashboard's daily counters at start-up."""

    @abstractmethod
    async def last_outbound_to(
        self, bot_id: str | None, peer: str, text: str, since: datetime
    ) -> Message | None:
        """The newest outbound message with exactly this text to peer since a time (any bot
        when bot_id is None): used to skip identical text to the same number within 24 h."""

    # --- broadcasts ------------------------------------------------------------
    #
    # A recipient moves pending -> sending -> sent (then delivered, read, replied as
    # receipts and replies arrive), or to failed or skipped, each with its reason.
    # The engine claims a recipient (sending, with its bot and a pending message row)
    # BEFORE handing the message to WhatsApp, and completes it (sent, with the
    # WhatsApp id, the message and its audit entry) in one transaction after. A
    # recipient found sending after a crash may or may not have been sent: it
    # becomes uncertain, is never re-sent on its own, and waits for the operator.

    @abstractmethod
    async def create_campaign(
        self, campaign: Campaign, recipients: Sequence[NewRecipient]
    ) -> Campaign:
        """Atomically store a campaign and its recipients, sent in the order given. A
        recipient with a skip_reason is stored skipped. A phone given twice keeps its
        first entry (audiences are de-duplicated before; this is the store's guard)."""

    @abstractmethod
    async def get_campaign(self, campaign_id: int | str) -> Campaign | None: ...

    @abstractmethod
    async def list_campaigns(self, limit: int = 100) -> list[Campaign]:
        """Newest first."""

    @abstractmethod
    async def set_campaign_status(
        self, campaign_id: int | str, status: CampaignStatus, at: datetime
    ) -> Campaign | None:
        """Move a campaign to status when CAMPAIGN_MOVES allows it from the status it
        has (checked and written atomically, so a pause and a finish cannot cross).
        The campaign after; unchanged when it already had that status; None when there
        is no such campaign or the move is not allowed (cancelled is final)."""

    @abstractmethod
    async def list_recipients(
        self,
        campaign_id: int | str,
        status: RecipientStatus | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> list[Recipient]:
        """Recipients in sending order (seq), each with its derived status (see
        RecipientStatus), filtered by that status; after_seq pages through a large
        campaign. Pending ones in order are what the engine sends next."""

    @abstractmethod
    async def count_recipients(self, campaign_id: int | str) -> dict[RecipientStatus, int]:
        """How many recipients are in each state, every RecipientStatus a key. Each
        recipient counts once, in its derived state: a delivered one is not also sent."""

    async def count_recipients_by_bot(
        self, campaign_id: int | str
    ) -> dict[str, dict[RecipientStatus, int]]:
        """count_recipients for each bot: the bot that took the recipient (sending, sent,
        failed, uncertain), else the one it is planned for; "" for recipients with
        neither (skipped ones of no contact owner). Only states with a recipient are
        keys. This default pages through list_recipients; a backend may do it in one
        query."""
        counts: dict[str, dict[RecipientStatus, int]] = {}
        after: int | None = None
        while True:
            page = await self.list_recipients(campaign_id, limit=_COUNT_PAGE, after_seq=after)
            for recipient in page:
                bot = recipient.bot_id or recipient.preferred_bot or ""
                of_bot = counts.setdefault(bot, {})
                of_bot[recipient.status] = of_bot.get(recipient.status, 0) + 1
            if len(page) < _COUNT_PAGE:
                return counts
            after = page[-1].seq

    @abstractmethod
    async def claim_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        bot_id: str,
        at: datetime,
        repeat_since: datetime | None = None,
    ) -> Claim:
        """In one transaction: check the campaign is running, the recipient pending, the
        number not opted out and (with repeat_since) not sent the same text since then;
        store a pending outbound message from bot_id with the recipient's text; and
        move the recipient to sending with that bot and message. Written before the
        message is handed to WhatsApp. An opted-out or repeated recipient is skipped
        with that reason. See ClaimOutcome."""

    @abstractmethod
    async def complete_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        message_id: int | str,
        wa_id: str,
        sent_at: datetime,
        audit: AuditEntry | None = None,
    ) -> Message | None:
        """WhatsApp took the message: in one transaction the message becomes sent with its
        WhatsApp id, the audit entry is written, and the recipient (sending, or
        uncertain) becomes sent. The message after, None when there is no such message."""

    @abstractmethod
    async def release_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        """The message was certainly not sent (the bot went offline before WhatsApp took
        it): the recipient goes back from sending to pending, for any bot to take, and
        its message is marked failed with reason. False if it was not sending."""

    @abstractmethod
    async def hold_uncertain(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        """The message was handed to WhatsApp and no answer came (timed out, connection
        lost): the recipient goes from sending to uncertain with reason, its message
        stays pending (it may have arrived). Never claimed again on its own: the
        operator resolves it (resolve_uncertain). False if it was not sending."""

    @abstractmethod
    async def fail_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        """The recipient (pending, sending or uncertain) failed for good, with reason; its
        pending message too. False if it was in none of those states."""

    @abstractmethod
    async def skip_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        """A pending recipient is skipped with reason (not on WhatsApp, say). False if it
        was not pending."""

    @abstractmethod
    async def mark_in_flight_uncertain(self, campaign_id: int | str | None, at: datetime) -> int:
        """After a crash: every recipient still sending (in one campaign, or all with
        None) becomes uncertain, with the reason. One whose message the store already
        holds as sent (a WhatsApp id) becomes sent instead. Returns how many are now
        uncertain."""

    @abstractmethod
    async def resolve_uncertain(
        self,
        campaign_id: int | str,
        phones: Sequence[str] | None,
        action: UncertainAction,
        at: datetime,
        audit: AuditEntry | None = None,
    ) -> int:
        """The operator's decision for uncertain recipients (the phones given, or all
        with None), with its audit entry, in one transaction. RESEND: back to pending,
        their old message marked failed so the 24 h repeat guard lets the new one go.
        MARK_SENT: sent, as of when they were claimed. Returns how many changed: none
        resent for a cancelled campaign (it sends nothing more; callers refuse first,
        this holds when a cancel lands in between)."""

    @abstractmethod
    async def mark_replied(self, phone: str, at: datetime, since: datetime) -> int | str | None:
        """An inbound message from phone at `at`: the newest campaign recipient sent to
        that phone between since and at counts it as its reply (the first reply's
        time is kept). The campaign's id when a reply was newly recorded, else None."""

    @abstractmethod
    async def sent_times(self, bot_id: str, since: datetime) -> list[datetime]:
        """When the bot's outbound messages (campaign or not, failed ones excluded)
        were created since a time, oldest first: pacing caps survive a restart."""

    @abstractmethod
    async def recent_outbound(self, since: datetime) -> set[tuple[str, str]]:
        """(peer, text) of every outbound message since a time, failed ones excluded:
        what a new campaign checks the 24 h repeat rule against in one query."""

    @abstractmethod
    async def opted_out_among(self, phones: Sequence[str]) -> set[str]:
        """Those of phones that have opted out, in few round trips."""

    async def owners_of(self, phones: Sequence[str]) -> dict[str, str]:
        """owner_of for many phones: {phone: bot id of its oldest reference}, phones
        without a reference left out. Backends override this with a batched query."""
        owners: dict[str, str] = {}
        for phone in dict.fromkeys(phones):
            ref = await self.owner_of(phone)
            if ref is not None:
                owners[phone] = ref.bot_id
        return owners

    # --- opt-outs -------------------------------------------------------------
    @abstractmethod
    async def add_opt_out(self, opt_out: OptOut) -> bool:
        """Record an opt-out; False if the phone had already opted out."""

    @abstractmethod
    async def remove_opt_out(self, phone: str) -> bool: ...

    @abstractmethod
    async def is_opted_out(self, phone: str) -> bool: ...

    @abstractmethod
    async def get_opt_out(self, phone: str) -> OptOut | None:
        """The opt-out of this number (with the words they wrote), or None."""

    @abstractmethod
    async def list_opt_outs(self, limit: int = 1000) -> list[OptOut]: ...

    # --- audit trail -------------------------------------------------------------
    @abstractmethod
    async def add_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append entry; returns it as stored, with its id. A text id given by the caller
        (the same on every try) makes a retry after a lost reply store it once where a
        reply can be lost (MongoDB); SQLite gives its own ids, and commits or fails."""

    @abstractmethod
    async def list_audit(self, bot_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """Newest first; bot_id filters to one bot."""

    @abstractmethod
    async def last_audit_at(self, bot_id: str, action: str) -> datetime | None:
        """When the bot's newest audit entry with this action was written (e.g. its last
        ``pair.success``: a warm-up counts from it), None when it has none. An index
        lookup, however many other entries the bot has."""

    # --- sync state ----------------------------------------------------------------
    @abstractmethod
    async def get_sync_state(self, account: str = "default") -> SyncState: ...

    @abstractmethod
    async def set_sync_state(self, state: SyncState) -> None: ...

    @abstractmethod
    async def apply_sync_page(
        self,
        upserts: Sequence[Contact],
        deleted: Sequence[str],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> SyncPageOutcome:
        """Atomically apply one page of a Google sync: upsert contacts, mark deletions, and
        (on the last page) save the new sync state.

        ``generation`` stamps the upserted contacts as seen by that full sync (see
        finish_full_sync); contacts written without one (incremental pages,
        upsert_contacts) carry none. Returns what the page changed."""

    async def apply_sync_pages(
        self,
        pages: Sequence[SyncPage],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> list[SyncPageOutcome]:
        """Apply several pages of a Google sync in order, exactly as apply_sync_page would
        one after the other, ``state`` saved with the last; each page's outcome, in order.

        Each page is atomic; a backend may also apply them all in one transaction (SQLite
        does: a commit per page writes the same index pages out again and again, which
        was most of what storing a full sync cost). Either way a failure keeps a
        consistent store: a full sync deletes nothing before finish_full_sync."""
        if not pages:
            return [await self.apply_sync_page([], [], state, generation=generation)]
        outcomes: list[SyncPageOutcome] = []
        for index, page in enumerate(pages):
            last = index == len(pages) - 1
            outcomes.append(
                await self.apply_sync_page(
                    page.upserts, page.deleted, state if last else None, generation=generation
                )
            )
        return outcomes

    @abstractmethod
    async def finish_full_sync(self, generation: str, state: SyncState) -> int:
        """End a full sync, atomically: every searchable contact that its pages did not
        stamp with ``generation`` is gone from Google, so it is marked deleted, and the
        new sync state (with its token) is saved. Returns how many were marked deleted.

        Until this runs, a full sync only adds and refreshes contacts: one that fails
        midway leaves every earlier contact searchable and no new token saved."""

    # --- leases (one holder at a time across processes) -----------------------------
    @abstractmethod
    async def acquire_lease(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        now: datetime,
        *,
        take_over: str | None = None,
    ) -> Lease:
        """Take the named lease for holder until now + ttl, atomically, if it is free,
        expired, already the holder's, or held by ``take_over`` (a holder known to be
        dead). Returns the lease as it stands afterwards: holder's own when it was
        taken, else the current holder's."""

    @abstractmethod
    async def renew_lease(
        self, name: str, holder: str, ttl: timedelta, now: datetime
    ) -> Lease | None:
        """Extend holder's lease to now + ttl; None when holder no longer holds it."""

    @abstractmethod
    async def release_lease(self, name: str, holder: str) -> bool:
        """Give the lease up if holder holds it; True when it did."""

    @abstractmethod
    async def get_lease(self, name: str) -> Lease | None:
        """The lease as it stands (expired or not), or None when nobody took it."""
