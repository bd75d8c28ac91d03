"""The MongoDB store, through motor. All of Linda's motor code lives in this module.

Chosen when the store URL starts with ``mongodb://`` or ``mongodb+srv://``; the
database is the one named in the URL's path (``linda`` when none is). One
collection per record type, indexes created on open, ids are strings (the text
of an ObjectId, the resource name for contacts, the phone for opt-outs).
Datetimes are BSON dates: UTC, to the millisecond (the SQLite store keeps the
same precision, so both return identical records).

Atomicity. When the server supports transactions (a replica set or a sharded
cluster, found out on open), writes that belong together run in one client
session transaction (``with_transaction``, which retries transient errors).
A standalone server has no transactions; then those writes are ordered and
idempotent, so a failure midway leaves nothing a retry does not complete and
nothing visible that points at missing data:

- upsert_contacts: one whole-document replace-with-upsert per contact; a retry
  rewrites the same documents.
- apply_sync_page: contacts, then deletions, then the sync token last; a crash
  before the token is saved makes the next sync fetch the same page again.
- record_inbound: the sender's reference first (an idempotent upsert), then the
  message.
- create_campaign: the recipients first, the campaign document last, so a
  campaign is never seen without its recipients.

Every MongoDB failure surfaces as a one-line StoreError; a server that cannot
be reached fails within ``server_timeout_ms`` (3 s by default).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorClientSession
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    DuplicateKeyError,
    InvalidURI,
    OperationFailure,
    PyMongoError,
)

from linda_tui.models import (
    ALL_BOTS,
    AuditEntry,
    BotChoice,
    Campaign,
    CampaignStatus,
    Claim,
    ClaimOutcome,
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
    utcnow,
)
from linda_tui.store.base import ContactRefUpdate, Store, StoreError, SyncPageOutcome
from linda_tui.store.records import (
    IN_FLIGHT_REASON,
    MARKED_SENT_REASON,
    MESSAGE_TIME_FIELDS,
    OPTED_OUT_REASON,
    REPEAT_REASON,
    RESENT_ERROR,
    advance_status,
    allowed_from,
    audit_detail,
    first_of_each_phone,
    last_wins,
    normalised_message,
    optional_store_time,
    recipient_state,
    search_text,
    sort_key,
    store_time,
    stored_statuses_for,
    unique_in_order,
)
from linda_tui.store.urls import redact_url

SCHEMA_VERSION = 1
DEFAULT_DATABASE = "linda"

# Without a transaction, writes to different documents are independent: send a
# few at a time instead of one round trip after another.
_CONCURRENT_WRITES = 32

_DATABASE_IN_URL = re.compile(r"^mongodb(?:\+srv)?://[^/]*/([^?]*)")

_INDEXES: dict[str, list[IndexModel]] = {
    "contacts": [
        IndexModel([("phones", ASCENDING)], name="by_phone"),
        IndexModel([("deleted", ASCENDING), ("sort_key", ASCENDING)], name="in_order"),
    ],
    "contact_refs": [
        IndexModel([("phone", ASCENDING), ("bot_id", ASCENDING)], name="phone_bot", unique=True),
        IndexModel([("phone", ASCENDING), ("created_at", ASCENDING)], name="owner"),
        IndexModel(
            [("bot_id", ASCENDING), ("sync_status", ASCENDING), ("created_at", ASCENDING)],
            name="by_bot",
        ),
    ],
    "messages": [
        IndexModel([("bot_id", ASCENDING), ("wa_id", ASCENDING)], name="by_wa_id"),
        IndexModel(
            [("bot_id", ASCENDING), ("direction", ASCENDING), ("created_at", DESCENDING)],
            name="by_bot",
        ),
        IndexModel([("peer", ASCENDING), ("created_at", DESCENDING)], name="by_peer"),
        IndexModel([("created_at", DESCENDING)], name="by_time"),
    ],
    "campaigns": [IndexModel([("created_at", DESCENDING)], name="by_time")],
    "recipients": [
        IndexModel(
            [("campaign_id", ASCENDING), ("phone", ASCENDING)], name="campaign_phone", unique=True
        ),
        IndexModel(
            [("campaign_id", ASCENDING), ("status", ASCENDING), ("seq", ASCENDING)],
            name="in_order",
        ),
        IndexModel([("campaign_id", ASCENDING), ("seq", ASCENDING)], name="by_seq"),
        IndexModel([("phone", ASCENDING), ("sent_at", DESCENDING)], name="by_phone"),
        IndexModel([("status", ASCENDING)], name="by_status"),
    ],
    "opt_outs": [IndexModel([("created_at", DESCENDING)], name="by_time")],
    "audit": [
        IndexModel([("at", DESCENDING)], name="by_time"),
        IndexModel([("bot_id", ASCENDING), ("at", DESCENDING)], name="by_bot"),
    ],
    "sync_state": [],
    "leases": [],
    "meta": [],
}

P = ParamSpec("P")
T = TypeVar("T")

Session = AsyncIOMotorClientSession | None
Document = dict[str, Any]


def _new_id() -> str:
    return str(ObjectId())


def _utc(value: datetime | None) -> datetime | None:
    """A date from the server as an aware UTC datetime (BSON dates are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _required_utc(value: datetime) -> datetime:
    result = _utc(value)
    assert result is not None
    return result


def _id_text(value: int | str | None) -> str | None:
    return None if value is None else str(value)


def _contact_doc(contact: Contact, generation: str | None = None) -> Document:
    return {
        "_id": contact.resource_name,
        "etag": contact.etag,
        "names": list(contact.names),
        "phones": list(contact.phones),
        "emails": list(contact.emails),
        "labels": list(contact.labels),
        "updated_at": optional_store_time(contact.updated_at),
        "deleted": bool(contact.deleted),
        "raw_phones": list(contact.raw_phones),
        "search_text": search_text(contact),
        "sort_key": sort_key(contact),
        # The full sync that last listed this contact (see Store.finish_full_sync).
        "sync_generation": generation,
    }


def _contact(doc: Document) -> Contact:
    return Contact(
        resource_name=doc["_id"],
        etag=doc.get("etag", ""),
        names=list(doc.get("names", [])),
        phones=list(doc.get("phones", [])),
        emails=list(doc.get("emails", [])),
        labels=list(doc.get("labels", [])),
        updated_at=_utc(doc.get("updated_at")),
        deleted=bool(doc.get("deleted", False)),
        raw_phones=list(doc.get("raw_phones", [])),
    )


def _lease(doc: Document) -> Lease:
    return Lease(
        name=doc["_id"],
        holder=doc["holder"],
        acquired_at=_required_utc(doc["acquired_at"]),
        expires_at=_required_utc(doc["expires_at"]),
    )


def _ref_fields(ref: ContactRef) -> Document:
    return {
        "phone": ref.phone,
        "bot_id": ref.bot_id,
        "sync_status": str(ref.sync_status),
        "last_sync": optional_store_time(ref.last_sync),
        "created_at": store_time(ref.created_at),
        "resource_name": ref.resource_name,
        "error": ref.error,
    }


def _ref(doc: Document) -> ContactRef:
    return ContactRef(
        phone=doc["phone"],
        bot_id=doc["bot_id"],
        sync_status=SyncStatus(doc["sync_status"]),
        last_sync=_utc(doc.get("last_sync")),
        created_at=_required_utc(doc["created_at"]),
        resource_name=doc.get("resource_name"),
        error=doc.get("error"),
    )


def _message_doc(message: Message, message_id: str) -> Document:
    doc: Document = {
        "_id": message_id,
        "bot_id": message.bot_id,
        "direction": str(message.direction),
        "peer": message.peer,
        "text": message.text,
        "status": str(message.status),
        "wa_id": message.wa_id,
        "error": message.error,
        "campaign_id": _id_text(message.campaign_id),
    }
    for name in MESSAGE_TIME_FIELDS:
        doc[name] = getattr(message, name)  # already normalised by the caller
    return doc


def _message(doc: Document) -> Message:
    return Message(
        id=doc["_id"],
        bot_id=doc["bot_id"],
        direction=Direction(doc["direction"]),
        peer=doc["peer"],
        text=doc["text"],
        status=MessageStatus(doc["status"]),
        created_at=_required_utc(doc["created_at"]),
        wa_id=doc.get("wa_id"),
        sent_at=_utc(doc.get("sent_at")),
        delivered_at=_utc(doc.get("delivered_at")),
        read_at=_utc(doc.get("read_at")),
        failed_at=_utc(doc.get("failed_at")),
        error=doc.get("error"),
        campaign_id=doc.get("campaign_id"),
    )


def _bots(doc: Document) -> BotChoice:
    # Campaigns written before durable broadcasts kept one "bot_id" ("auto", "all" or
    # an id) instead of "bots": read both, so no migration of documents is needed.
    value = doc.get("bots", doc.get("bot_id", ALL_BOTS))
    if value in (ALL_BOTS, "auto", "", None):
        return ALL_BOTS
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _campaign_doc(campaign: Campaign) -> Document:
    return {
        "_id": campaign.id,
        "name": campaign.name,
        "template": campaign.template,
        "bots": ALL_BOTS if campaign.bots == ALL_BOTS else list(campaign.bots),
        "pace": campaign.pace,
        "start_at": campaign.start_at,
        "status": str(campaign.status),
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "created_by": campaign.created_by,
        "skipped": dict(campaign.skipped),
    }


def _campaign(doc: Document) -> Campaign:
    return Campaign(
        id=doc["_id"],
        name=doc["name"],
        template=str(doc.get("template", doc.get("text", ""))),
        bots=_bots(doc),
        pace=doc.get("pace", "standard"),
        start_at=_utc(doc.get("start_at")),
        status=CampaignStatus(doc["status"]),
        created_at=_required_utc(doc["created_at"]),
        updated_at=_required_utc(doc["updated_at"]),
        created_by=doc.get("created_by", ""),
        skipped=dict(doc.get("skipped") or {}),
    )


def _recipient(doc: Document, message: Document | None) -> Recipient:
    """A recipient document with its message's (status, error, delivered_at, read_at,
    failed_at) joined in: the same derived record as the SQLite store's."""
    message = message or {}
    stored = doc["status"]
    state = recipient_state(stored, message.get("status"), doc.get("replied_at") is not None)
    failed_after_sending = stored == RecipientStatus.SENT and state is RecipientStatus.FAILED
    return Recipient(
        campaign_id=doc["campaign_id"],
        phone=doc["phone"],
        status=state,
        text=doc.get("text", ""),
        variables=dict(doc.get("variables") or {}),
        seq=int(doc.get("seq", 0)),
        preferred_bot=doc.get("preferred_bot"),
        bot_id=doc.get("bot_id"),
        message_id=doc.get("message_id"),
        wa_id=doc.get("wa_id"),
        reason=message.get("error")
        if failed_after_sending
        else doc.get("reason", doc.get("error")),
        claimed_at=_utc(doc.get("claimed_at")),
        sent_at=_utc(doc.get("sent_at")),
        delivered_at=_utc(message.get("delivered_at")),
        read_at=_utc(message.get("read_at")),
        replied_at=_utc(doc.get("replied_at")),
        failed_at=_utc(message.get("failed_at") if failed_after_sending else doc.get("failed_at")),
        updated_at=_required_utc(doc["updated_at"]),
    )


def _opt_out(doc: Document) -> OptOut:
    return OptOut(
        phone=doc["_id"],
        reason=doc.get("reason", ""),
        bot_id=doc.get("bot_id"),
        created_at=_required_utc(doc["created_at"]),
    )


def _audit(doc: Document) -> AuditEntry:
    return AuditEntry(
        id=doc["_id"],
        action=doc["action"],
        os_user=doc["os_user"],
        at=_required_utc(doc["at"]),
        ssh_client=doc.get("ssh_client"),
        bot_id=doc.get("bot_id"),
        detail=dict(doc.get("detail") or {}),
    )


def _sync_state_doc(state: SyncState) -> Document:
    return {
        "_id": state.account,
        "sync_token": state.sync_token,
        "last_full_sync": optional_store_time(state.last_full_sync),
        "last_sync": optional_store_time(state.last_sync),
        "last_error": state.last_error,
    }


def _sync_state(doc: Document) -> SyncState:
    return SyncState(
        account=doc["_id"],
        sync_token=doc.get("sync_token"),
        last_full_sync=_utc(doc.get("last_full_sync")),
        last_sync=_utc(doc.get("last_sync")),
        last_error=doc.get("last_error"),
    )


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mongo_errors(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turn any MongoDB failure inside a store method into a one-line StoreError."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except PyMongoError as exc:
            store = args[0]
            assert isinstance(store, MongoStore)
            raise store.failure(exc) from None

    return wrapper


def _audit_doc(entry: AuditEntry) -> dict[str, Any]:
    return {
        "_id": entry.id,
        "action": entry.action,
        "os_user": entry.os_user,
        "at": entry.at,
        "ssh_client": entry.ssh_client,
        "bot_id": entry.bot_id,
        "detail": entry.detail,
    }


class MongoStore(Store):
    """The store in a MongoDB database.

    ``client`` lets tests hand in a client (mongomock-motor); normally the store
    makes its own from the URL on open and closes it on close.
    """

    def __init__(
        self,
        url: str,
        *,
        client: Any | None = None,
        database: str | None = None,
        server_timeout_ms: int = 3000,
    ) -> None:
        self.url = redact_url(url)
        self._url = url  # may hold a password: never shown, never logged
        self._client: Any | None = client
        self._owns_client = client is None
        match = _DATABASE_IN_URL.match(url)
        self.database_name = database or (match.group(1) if match else "") or DEFAULT_DATABASE
        self._server_timeout_ms = server_timeout_ms
        self._db: Any | None = None
        self.transactions = False  # whether the server supports them; known after open()

    # --- lifecycle ----------------------------------------------------------------

    @property
    def _where(self) -> str:
        hosts = self.url.split("://", 1)[-1].split("/", 1)[0]
        return hosts.rsplit("@", 1)[-1] or "localhost"

    def failure(self, exc: PyMongoError) -> StoreError:
        """A one-line StoreError for a MongoDB failure, with what to do about it."""
        if isinstance(exc, ConnectionFailure):
            return StoreError(
                f"cannot reach MongoDB at {self._where} — check LINDA_STORE_URL and that the "
                "server is running"
            )
        if isinstance(exc, DuplicateKeyError):
            return StoreError(f"the store refused the write (duplicate key): {_one_line(str(exc))}")
        if isinstance(exc, OperationFailure) and exc.code in (13, 18):
            return StoreError(
                f"MongoDB at {self._where} refused the login or the access "
                f"({_one_line(str(exc.details.get('errmsg', exc)) if exc.details else str(exc))}) "
                "— check the user, password and database in LINDA_STORE_URL"
            )
        return StoreError(f"MongoDB at {self._where}: {_one_line(str(exc))}")

    async def open(self) -> None:
        if self._db is not None:
            return
        if self._client is None:
            try:
                self._client = AsyncIOMotorClient(
                    self._url,
                    serverSelectionTimeoutMS=self._server_timeout_ms,
                    connectTimeoutMS=self._server_timeout_ms,
                    tz_aware=True,
                    appname="linda",
                )
            except (InvalidURI, ConfigurationError, ValueError, TypeError) as exc:
                raise StoreError(
                    f"store URL {self.url!r} is not a usable MongoDB URL ({_one_line(str(exc))}) "
                    "— write it as mongodb://user:password@host:27017/linda"
                ) from None
        db = self._client[self.database_name]
        try:
            await db.command("ping")
            self.transactions = await self._supports_transactions(db)
            await self._prepare(db)
        except PyMongoError as exc:
            self._drop_client()
            raise self.failure(exc) from None
        except StoreError:
            self._drop_client()
            raise
        self._db = db

    @staticmethod
    async def _supports_transactions(db: Any) -> bool:
        hello: Document | None = None
        for command in ("hello", "isMaster"):  # servers before 4.4.2 only know isMaster
            try:
                hello = await db.command(command)
                break
            except (PyMongoError, NotImplementedError):
                continue
        if hello is None:
            return False  # a server (or mongomock) that cannot say: assume standalone
        clustered = "setName" in hello or hello.get("msg") == "isdbgrid"
        return clustered and "logicalSessionTimeoutMinutes" in hello

    async def _prepare(self, db: Any) -> None:
        meta = await db["meta"].find_one({"_id": "schema"})
        version = int(meta["version"]) if meta else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"MongoDB database {self.database_name!r} at {self._where} was written by a newer "
                f"Linda (schema version {version}, this Linda knows up to {SCHEMA_VERSION}); "
                "upgrade Linda"
            )
        # Collections are made up front: older servers cannot create one inside a
        # transaction.
        existing = set(await db.list_collection_names())
        for name, indexes in _INDEXES.items():
            if name not in existing:
                await db.create_collection(name)
            if indexes:
                await db[name].create_indexes(indexes)
        if version < SCHEMA_VERSION:
            await db["meta"].replace_one(
                {"_id": "schema"}, {"_id": "schema", "version": SCHEMA_VERSION}, upsert=True
            )

    def _drop_client(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    async def close(self) -> None:
        self._db = None
        self._drop_client()

    @_mongo_errors
    async def schema_version(self) -> int:
        meta = await self._col("meta").find_one({"_id": "schema"})
        return int(meta["version"]) if meta else 0

    # --- access -------------------------------------------------------------------

    def _col(self, name: str) -> Any:
        if self._db is None:
            raise StoreError("the store is not open — call `await store.open()` first")
        return self._db[name]

    async def _atomic(self, work: Callable[[Session], Awaitable[T]]) -> T:
        """Run work in one transaction when the server has them, else as it is ordered."""
        if not self.transactions:
            return await work(None)
        assert self._client is not None
        async with await self._client.start_session() as session:
            return await session.with_transaction(work)

    @staticmethod
    async def _each(session: Session, writes: Sequence[Callable[[], Awaitable[Any]]]) -> None:
        """Run independent single-document writes: one by one inside a transaction
        (a session takes one operation at a time), a few at a time otherwise."""
        if session is not None:
            for write in writes:
                await write()
            return
        for start in range(0, len(writes), _CONCURRENT_WRITES):
            await asyncio.gather(*(write() for write in writes[start : start + _CONCURRENT_WRITES]))

    # --- contacts -----------------------------------------------------------------

    async def _write_contacts(
        self, session: Session, contacts: Sequence[Contact], generation: str | None = None
    ) -> None:
        collection = self._col("contacts")

        def replace_one(doc: Document) -> Callable[[], Awaitable[Any]]:
            return lambda: collection.replace_one(
                {"_id": doc["_id"]}, doc, upsert=True, session=session
            )

        await self._each(session, [replace_one(_contact_doc(c, generation)) for c in contacts])

    async def _count_changes(
        self, session: Session, contacts: Sequence[Contact]
    ) -> tuple[int, int]:
        """(created, updated) that writing these contacts will make: see SyncPageOutcome."""
        if not contacts:
            return 0, 0
        cursor = self._col("contacts").find(
            {"_id": {"$in": [c.resource_name for c in contacts]}},
            {"etag": 1, "deleted": 1},
            session=session,
        )
        before = {doc["_id"]: doc for doc in await cursor.to_list(None)}
        created = updated = 0
        for contact in contacts:
            previous = before.get(contact.resource_name)
            if previous is None or previous.get("deleted", False):
                created += 1
            elif previous.get("etag", "") != contact.etag:
                updated += 1
        return created, updated

    async def _mark_deleted(self, session: Session, resource_names: Sequence[str]) -> int:
        result = await self._col("contacts").update_many(
            {"_id": {"$in": unique_in_order(resource_names)}, "deleted": False},
            {"$set": {"deleted": True}},
            session=session,
        )
        return int(result.modified_count)

    @_mongo_errors
    async def upsert_contacts(self, contacts: Sequence[Contact]) -> int:
        contacts = last_wins(contacts)
        if contacts:
            await self._atomic(lambda session: self._write_contacts(session, contacts))
        return len(contacts)

    @_mongo_errors
    async def get_contact(self, resource_name: str) -> Contact | None:
        doc = await self._col("contacts").find_one({"_id": resource_name})
        return _contact(doc) if doc else None

    @_mongo_errors
    async def find_contacts_by_phone(self, phone: str) -> list[Contact]:
        cursor = self._col("contacts").find({"phones": phone, "deleted": False}).sort("_id", 1)
        return [_contact(doc) for doc in await cursor.to_list(None)]

    @_mongo_errors
    async def find_contacts_by_phones(self, phones: Sequence[str]) -> dict[str, list[Contact]]:
        wanted = unique_in_order(phones)
        found: dict[str, list[Contact]] = {phone: [] for phone in wanted}
        if not wanted:
            return found
        cursor = (
            self._col("contacts").find({"phones": {"$in": wanted}, "deleted": False}).sort("_id", 1)
        )
        for doc in await cursor.to_list(None):
            contact = _contact(doc)
            for phone in unique_in_order(contact.phones):
                if phone in found:
                    found[phone].append(contact)
        return found

    @_mongo_errors
    async def search_contacts(self, query: str, limit: int = 50) -> list[Contact]:
        if limit <= 0:
            return []
        # search_text is lowercased on write, the query here: a plain escaped
        # substring match, the same rule the SQLite store applies.
        cursor = (
            self._col("contacts")
            .find({"deleted": False, "search_text": {"$regex": re.escape(query.strip().lower())}})
            .sort([("sort_key", 1), ("_id", 1)])
            .limit(limit)
        )
        return [_contact(doc) for doc in await cursor.to_list(None)]

    @_mongo_errors
    async def list_contacts(self, after: str | None = None, limit: int = 1000) -> list[Contact]:
        if limit <= 0:
            return []
        query: Document = {"deleted": False}
        if after is not None:
            query["_id"] = {"$gt": after}
        cursor = self._col("contacts").find(query).sort([("_id", 1)]).limit(limit)
        return [_contact(doc) for doc in await cursor.to_list(None)]

    @_mongo_errors
    async def count_contacts(self, include_deleted: bool = False) -> int:
        query: Document = {} if include_deleted else {"deleted": False}
        return int(await self._col("contacts").count_documents(query))

    @_mongo_errors
    async def mark_contacts_deleted(self, resource_names: Sequence[str]) -> int:
        if not resource_names:
            return 0
        return await self._mark_deleted(None, resource_names)

    # --- contact references -------------------------------------------------------

    @_mongo_errors
    async def upsert_contact_ref(self, ref: ContactRef) -> None:
        fields = _ref_fields(ref)
        await self._col("contact_refs").update_one(
            {"phone": ref.phone, "bot_id": ref.bot_id},
            {"$set": fields, "$setOnInsert": {"_id": _new_id()}},
            upsert=True,
        )

    async def _ensure_ref(
        self, session: Session, phone: str, bot_id: str, at: datetime
    ) -> tuple[ContactRef, bool]:
        ref = ContactRef(phone=phone, bot_id=bot_id, created_at=store_time(at))
        key = {"phone": phone, "bot_id": bot_id}
        collection = self._col("contact_refs")
        try:
            result = await collection.update_one(
                key,
                {"$setOnInsert": {"_id": _new_id(), **_ref_fields(ref)}},
                upsert=True,
                session=session,
            )
        except DuplicateKeyError:
            pass  # another writer created it a moment ago: read theirs below
        else:
            if result.upserted_id is not None:
                return ref, True
        doc = await collection.find_one(key, session=session)
        assert doc is not None
        return _ref(doc), False

    @_mongo_errors
    async def ensure_contact_ref(
        self, phone: str, bot_id: str, at: datetime | None = None
    ) -> tuple[ContactRef, bool]:
        return await self._ensure_ref(None, phone, bot_id, at or utcnow())

    @_mongo_errors
    async def owner_of(self, phone: str) -> ContactRef | None:
        cursor = (
            self._col("contact_refs")
            .find({"phone": phone})
            .sort([("created_at", 1), ("_id", 1)])
            .limit(1)
        )
        docs = await cursor.to_list(None)
        return _ref(docs[0]) if docs else None

    @_mongo_errors
    async def get_contact_ref(self, phone: str, bot_id: str) -> ContactRef | None:
        doc = await self._col("contact_refs").find_one({"phone": phone, "bot_id": bot_id})
        return _ref(doc) if doc else None

    @_mongo_errors
    async def list_contact_refs(
        self, bot_id: str | None, status: SyncStatus | None = None, limit: int = 1000
    ) -> list[ContactRef]:
        if limit <= 0:
            return []
        query: Document = {} if bot_id is None else {"bot_id": bot_id}
        if status is not None:
            query["sync_status"] = str(status)
        cursor = (
            self._col("contact_refs").find(query).sort([("created_at", 1), ("_id", 1)]).limit(limit)
        )
        return [_ref(doc) for doc in await cursor.to_list(None)]

    @_mongo_errors
    async def set_contact_ref_status(
        self,
        phone: str,
        bot_id: str,
        status: SyncStatus,
        at: datetime,
        resource_name: str | None = None,
        error: str | None = None,
    ) -> bool:
        update = ContactRefUpdate(phone, bot_id, status, at, resource_name, error)
        return await self._set_ref_status(None, update)

    async def _set_ref_status(self, session: Session, u: ContactRefUpdate) -> bool:
        changes: Document = {
            "sync_status": str(u.status),
            "last_sync": store_time(u.at),
            "error": u.error,
        }
        if u.resource_name is not None:
            changes["resource_name"] = u.resource_name
        result = await self._col("contact_refs").update_one(
            {"phone": u.phone, "bot_id": u.bot_id}, {"$set": changes}, session=session
        )
        return result.matched_count > 0

    @_mongo_errors
    async def set_contact_ref_statuses(self, updates: Sequence[ContactRefUpdate]) -> int:
        if not updates:
            return 0

        async def work(session: Session) -> int:
            # Each update is one idempotent document write: without a transaction a
            # failure midway leaves nothing a retry does not complete.
            changed = 0
            for u in updates:
                changed += await self._set_ref_status(session, u)
            return changed

        return await self._atomic(work)

    # --- messages -----------------------------------------------------------------

    @_mongo_errors
    async def add_message(self, message: Message, audit: AuditEntry | None = None) -> Message:
        message = replace(normalised_message(message), id=_new_id())
        if audit is None:
            await self._col("messages").insert_one(_message_doc(message, str(message.id)))
            return message
        entry = self._audit_entry(audit)

        async def work(session: Session) -> None:
            await self._col("messages").insert_one(
                _message_doc(message, str(message.id)), session=session
            )
            await self._col("audit").insert_one(_audit_doc(entry), session=session)

        await self._atomic(work)
        return message

    @_mongo_errors
    async def finish_send(self, message: Message, audit: AuditEntry | None = None) -> Message:
        message = normalised_message(message)
        key = _id_text(message.id)
        entry = self._audit_entry(audit) if audit is not None else None
        changes = {
            "status": str(message.status),
            "wa_id": message.wa_id,
            "sent_at": message.sent_at,
            "failed_at": message.failed_at,
            "error": message.error,
        }

        async def work(session: Session) -> int:
            result = await self._col("messages").update_one(
                {"_id": key}, {"$set": changes}, session=session
            )
            if result.matched_count and entry is not None:
                await self._col("audit").insert_one(_audit_doc(entry), session=session)
            return int(result.matched_count)

        if not await self._atomic(work):
            raise StoreError(f"no message {key} in {self._where} to record the send's outcome on")
        return message

    @_mongo_errors
    async def record_inbound(self, message: Message) -> tuple[Message, ContactRef, bool]:
        if message.direction != Direction.IN:
            raise ValueError("record_inbound takes inbound messages; use add_message for outbound")
        message = replace(normalised_message(message), id=_new_id())

        async def work(session: Session) -> tuple[ContactRef, bool]:
            ref, created = await self._ensure_ref(
                session, message.peer, message.bot_id, message.created_at
            )
            await self._col("messages").insert_one(
                _message_doc(message, str(message.id)), session=session
            )
            return ref, created

        ref, created = await self._atomic(work)
        return message, ref, created

    @_mongo_errors
    async def update_message_status(
        self,
        bot_id: str,
        wa_id: str,
        status: MessageStatus,
        at: datetime,
        error: str | None = None,
    ) -> Message | None:
        collection = self._col("messages")
        # Read, decide, then update only if nobody changed those fields meanwhile
        # (receipts for one message can arrive together); retry if someone did.
        for _ in range(10):
            doc = await collection.find_one(
                {"bot_id": bot_id, "wa_id": wa_id}, sort=[("created_at", -1), ("_id", -1)]
            )
            if doc is None:
                return None
            current = _message(doc)
            updated = advance_status(current, status, at, error)
            if updated is None:
                return current
            changes: Document = {}
            expected: Document = {"_id": doc["_id"]}
            for name in ("status", "sent_at", "delivered_at", "read_at", "failed_at", "error"):
                new, old = getattr(updated, name), getattr(current, name)
                if new != old:
                    changes[name] = str(new) if name == "status" else new
                    expected[name] = doc.get(name)
            result = await collection.update_one(expected, {"$set": changes})
            if result.matched_count == 1:
                return updated
        raise StoreError(
            f"message {wa_id} of {bot_id} kept changing under a status update; try again"
        )

    @_mongo_errors
    async def get_message(self, bot_id: str, wa_id: str) -> Message | None:
        doc = await self._col("messages").find_one(
            {"bot_id": bot_id, "wa_id": wa_id}, sort=[("created_at", -1), ("_id", -1)]
        )
        return _message(doc) if doc else None

    @_mongo_errors
    async def list_messages(
        self, bot_id: str | None = None, peer: str | None = None, limit: int = 100
    ) -> list[Message]:
        if limit <= 0:
            return []
        query: Document = {}
        if bot_id is not None:
            query["bot_id"] = bot_id
        if peer is not None:
            query["peer"] = peer
        cursor = (
            self._col("messages").find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        )
        return [_message(doc) for doc in await cursor.to_list(None)]

    @_mongo_errors
    async def message_counts(self, since: datetime) -> dict[tuple[str, Direction], int]:
        cursor = self._col("messages").aggregate(
            [
                {
                    "$match": {
                        "created_at": {"$gte": store_time(since)},
                        "status": {"$ne": str(MessageStatus.FAILED)},
                    }
                },
                {
                    "$group": {
                        "_id": {"bot_id": "$bot_id", "direction": "$direction"},
                        "count": {"$sum": 1},
                    }
                },
            ]
        )
        return {
            (row["_id"]["bot_id"], Direction(row["_id"]["direction"])): int(row["count"])
            async for row in cursor
        }

    @_mongo_errors
    async def last_outbound_to(
        self, bot_id: str | None, peer: str, text: str, since: datetime
    ) -> Message | None:
        query: Document = {
            "peer": peer,
            "direction": str(Direction.OUT),
            "text": text,
            "created_at": {"$gte": store_time(since)},
        }
        if bot_id is not None:
            query["bot_id"] = bot_id
        doc = await self._col("messages").find_one(query, sort=[("created_at", -1), ("_id", -1)])
        return _message(doc) if doc else None

    # --- broadcasts -----------------------------------------------------------------
    #
    # Without transactions (a standalone server) each multi-document write is ordered
    # so that a crash in between leaves what crash recovery handles: a claim marks the
    # recipient sending before its message exists (recovery makes it uncertain); a
    # completion writes the message sent before the recipient (recovery sees the
    # WhatsApp id and makes it sent).

    @_mongo_errors
    async def create_campaign(
        self, campaign: Campaign, recipients: Sequence[NewRecipient]
    ) -> Campaign:
        campaign = replace(
            campaign,
            id=_new_id(),
            created_at=store_time(campaign.created_at),
            updated_at=store_time(campaign.updated_at),
            start_at=optional_store_time(campaign.start_at),
        )
        pending, skipped = str(RecipientStatus.PENDING), str(RecipientStatus.SKIPPED)
        recipient_docs = [
            {
                "_id": _new_id(),
                "campaign_id": campaign.id,
                "phone": r.phone,
                "seq": seq,
                "status": pending if r.skip_reason is None else skipped,
                "text": r.text,
                "variables": dict(r.variables),
                "preferred_bot": r.preferred_bot,
                "bot_id": None,
                "message_id": None,
                "wa_id": None,
                "reason": r.skip_reason,
                "claimed_at": None,
                "sent_at": None,
                "failed_at": None,
                "replied_at": None,
                "updated_at": campaign.created_at,
            }
            for seq, r in enumerate(first_of_each_phone(recipients))
        ]

        async def work(session: Session) -> None:
            # Recipients first: without a transaction the campaign only appears
            # once all of them are there.
            if recipient_docs:
                await self._col("recipients").insert_many(
                    recipient_docs, ordered=True, session=session
                )
            await self._col("campaigns").insert_one(_campaign_doc(campaign), session=session)

        await self._atomic(work)
        return campaign

    @_mongo_errors
    async def get_campaign(self, campaign_id: int | str) -> Campaign | None:
        doc = await self._col("campaigns").find_one({"_id": str(campaign_id)})
        return _campaign(doc) if doc else None

    @_mongo_errors
    async def list_campaigns(self, limit: int = 100) -> list[Campaign]:
        if limit <= 0:
            return []
        cursor = (
            self._col("campaigns").find({}).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        )
        return [_campaign(doc) for doc in await cursor.to_list(None)]

    @_mongo_errors
    async def set_campaign_status(
        self, campaign_id: int | str, status: CampaignStatus, at: datetime
    ) -> Campaign | None:
        collection = self._col("campaigns")
        sources = [s for s in allowed_from(status) if s != status]
        # One conditional update: the move happens only from a status that allows it.
        await collection.update_one(
            {"_id": str(campaign_id), "status": {"$in": sources}},
            {"$set": {"status": str(status), "updated_at": store_time(at)}},
        )
        doc = await collection.find_one({"_id": str(campaign_id)})
        if doc is None or doc["status"] != status:
            return None
        return _campaign(doc)

    async def _messages_of(self, docs: Sequence[Document]) -> dict[Any, Document]:
        """The messages of these recipients, by id (only the fields recipients show)."""
        ids = [doc["message_id"] for doc in docs if doc.get("message_id") is not None]
        found: dict[Any, Document] = {}
        for start in range(0, len(ids), 1000):
            cursor = self._col("messages").find(
                {"_id": {"$in": ids[start : start + 1000]}},
                {"status": 1, "error": 1, "delivered_at": 1, "read_at": 1, "failed_at": 1},
            )
            found.update({doc["_id"]: doc async for doc in cursor})
        return found

    @_mongo_errors
    async def list_recipients(
        self,
        campaign_id: int | str,
        status: RecipientStatus | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> list[Recipient]:
        if limit is not None and limit <= 0:
            return []
        query: Document = {"campaign_id": str(campaign_id)}
        if status is not None:
            query["status"] = {"$in": list(stored_statuses_for(status))}
        result: list[Recipient] = []
        last_seq = after_seq
        # Pages in seq order; a derived status (delivered...) is known only once the
        # page's messages are read, so pages go on until the limit is filled.
        while True:
            if last_seq is not None:
                query["seq"] = {"$gt": last_seq}
            page = await (
                self._col("recipients").find(query).sort("seq", 1).limit(1000).to_list(None)
            )
            if not page:
                return result
            messages = await self._messages_of(page)
            for doc in page:
                recipient = _recipient(doc, messages.get(doc.get("message_id")))
                if status is None or recipient.status is status:
                    result.append(recipient)
                    if limit is not None and len(result) >= limit:
                        return result
            last_seq = page[-1]["seq"]

    @_mongo_errors
    async def count_recipients(self, campaign_id: int | str) -> dict[RecipientStatus, int]:
        counts = dict.fromkeys(RecipientStatus, 0)
        cursor = self._col("recipients").aggregate(
            [
                {"$match": {"campaign_id": str(campaign_id)}},
                {"$group": {"_id": "$status", "count": {"$sum": 1}}},
            ]
        )
        for doc in await cursor.to_list(None):
            if doc["_id"] != RecipientStatus.SENT:
                counts[RecipientStatus(doc["_id"])] += int(doc["count"])
        # Sent ones read as delivered, read, replied or failed: join their messages.
        sent = await (
            self._col("recipients")
            .find(
                {"campaign_id": str(campaign_id), "status": str(RecipientStatus.SENT)},
                {"message_id": 1, "replied_at": 1},
            )
            .to_list(None)
        )
        messages = await self._messages_of(sent)
        for doc in sent:
            message = messages.get(doc.get("message_id")) or {}
            replied = doc.get("replied_at") is not None
            counts[recipient_state(RecipientStatus.SENT, message.get("status"), replied)] += 1
        return counts

    @_mongo_errors
    async def claim_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        bot_id: str,
        at: datetime,
        repeat_since: datetime | None = None,
    ) -> Claim:
        at = store_time(at)
        key = str(campaign_id)

        async def work(session: Session) -> Claim:
            campaign = await self._col("campaigns").find_one({"_id": key}, session=session)
            if campaign is None or campaign["status"] != CampaignStatus.RUNNING:
                return Claim(ClaimOutcome.NOT_RUNNING)
            recipients = self._col("recipients")
            doc = await recipients.find_one({"campaign_id": key, "phone": phone}, session=session)
            if doc is None or doc["status"] != RecipientStatus.PENDING:
                return Claim(ClaimOutcome.NOT_PENDING)
            text = doc.get("text") or campaign.get("template", campaign.get("text", ""))
            pending = {"_id": doc["_id"], "status": str(RecipientStatus.PENDING)}
            skip = None
            if await self._col("opt_outs").find_one({"_id": phone}, session=session):
                skip = ClaimOutcome.OPTED_OUT, OPTED_OUT_REASON
            elif repeat_since is not None and await self._col("messages").find_one(
                {
                    "peer": phone,
                    "direction": str(Direction.OUT),
                    "text": text,
                    "created_at": {"$gte": store_time(repeat_since)},
                    "status": {"$ne": str(MessageStatus.FAILED)},
                },
                session=session,
            ):
                skip = ClaimOutcome.REPEAT, REPEAT_REASON
            if skip is not None:
                await recipients.update_one(
                    pending,
                    {
                        "$set": {
                            "status": str(RecipientStatus.SKIPPED),
                            "reason": skip[1],
                            "updated_at": at,
                        }
                    },
                    session=session,
                )
                return Claim(skip[0])
            message = Message(
                id=_new_id(),
                bot_id=bot_id,
                direction=Direction.OUT,
                peer=phone,
                text=text,
                status=MessageStatus.PENDING,
                created_at=at,
                campaign_id=key,
            )
            # The recipient first, conditionally: two claims cannot both win, and a
            # crash before the message is written leaves it sending (then uncertain).
            claimed = await recipients.update_one(
                pending,
                {
                    "$set": {
                        "status": str(RecipientStatus.SENDING),
                        "bot_id": bot_id,
                        "message_id": message.id,
                        "claimed_at": at,
                        "reason": None,
                        "updated_at": at,
                    }
                },
                session=session,
            )
            if claimed.matched_count == 0:
                return Claim(ClaimOutcome.NOT_PENDING)
            await self._col("messages").insert_one(
                _message_doc(message, str(message.id)), session=session
            )
            return Claim(ClaimOutcome.CLAIMED, message)

        return await self._atomic(work)

    @_mongo_errors
    async def complete_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        message_id: int | str,
        wa_id: str,
        sent_at: datetime,
        audit: AuditEntry | None = None,
    ) -> Message | None:
        sent_at = store_time(sent_at)
        entry = self._audit_entry(audit) if audit is not None else None

        async def work(session: Session) -> Message | None:
            messages = self._col("messages")
            changed = await messages.update_one(
                {
                    "_id": str(message_id),
                    "status": {"$in": [str(MessageStatus.PENDING), str(MessageStatus.FAILED)]},
                },
                {
                    "$set": {
                        "status": str(MessageStatus.SENT),
                        "wa_id": wa_id,
                        "sent_at": sent_at,
                        "failed_at": None,
                        "error": None,
                    }
                },
                session=session,
            )
            doc = await messages.find_one({"_id": str(message_id)}, session=session)
            if doc is None:
                return None
            if changed.modified_count and entry is not None:
                await self._col("audit").insert_one(_audit_doc(entry), session=session)
            await self._col("recipients").update_one(
                {
                    "campaign_id": str(campaign_id),
                    "phone": phone,
                    "message_id": str(message_id),
                    "status": {
                        "$in": [str(RecipientStatus.SENDING), str(RecipientStatus.UNCERTAIN)]
                    },
                },
                {
                    "$set": {
                        "status": str(RecipientStatus.SENT),
                        "wa_id": wa_id,
                        "sent_at": sent_at,
                        "reason": None,
                        "updated_at": sent_at,
                    }
                },
                session=session,
            )
            return _message(doc)

        return await self._atomic(work)

    async def _fail_messages(
        self, session: Session, message_ids: Sequence[Any], error: str, at: datetime
    ) -> None:
        ids = [i for i in message_ids if i is not None]
        if ids:
            await self._col("messages").update_many(
                {"_id": {"$in": ids}, "status": str(MessageStatus.PENDING)},
                {"$set": {"status": str(MessageStatus.FAILED), "error": error, "failed_at": at}},
                session=session,
            )

    async def _move_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        sources: Sequence[RecipientStatus],
        changes: Document,
        fail_message: str | None,
        at: datetime,
    ) -> bool:
        """Move one recipient from one of sources, applying changes; with fail_message,
        its pending message is marked failed with that error first."""

        async def work(session: Session) -> bool:
            recipients = self._col("recipients")
            query = {
                "campaign_id": str(campaign_id),
                "phone": phone,
                "status": {"$in": [str(s) for s in sources]},
            }
            doc = await recipients.find_one(query, session=session)
            if doc is None:
                return False
            if fail_message is not None:
                await self._fail_messages(session, [doc.get("message_id")], fail_message, at)
            result = await recipients.update_one(
                {"_id": doc["_id"], "status": doc["status"]},
                {"$set": {**changes, "updated_at": at}},
                session=session,
            )
            return result.matched_count > 0

        return await self._atomic(work)

    @_mongo_errors
    async def release_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        changes = {
            "status": str(RecipientStatus.PENDING),
            "bot_id": None,
            "message_id": None,
            "claimed_at": None,
            "reason": reason,
        }
        return await self._move_recipient(
            campaign_id, phone, [RecipientStatus.SENDING], changes, reason, at
        )

    @_mongo_errors
    async def fail_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        sources = [RecipientStatus.PENDING, RecipientStatus.SENDING, RecipientStatus.UNCERTAIN]
        changes = {"status": str(RecipientStatus.FAILED), "reason": reason, "failed_at": at}
        return await self._move_recipient(campaign_id, phone, sources, changes, reason, at)

    @_mongo_errors
    async def skip_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        changes = {"status": str(RecipientStatus.SKIPPED), "reason": reason}
        return await self._move_recipient(
            campaign_id, phone, [RecipientStatus.PENDING], changes, None, at
        )

    @_mongo_errors
    async def mark_in_flight_uncertain(self, campaign_id: int | str | None, at: datetime) -> int:
        at = store_time(at)
        query: Document = {"status": str(RecipientStatus.SENDING)}
        if campaign_id is not None:
            query["campaign_id"] = str(campaign_id)
        recipients = self._col("recipients")
        in_flight = await recipients.find(query, {"message_id": 1}).to_list(None)
        ids = [doc["message_id"] for doc in in_flight if doc.get("message_id") is not None]
        sent: dict[Any, Document] = {}
        for start in range(0, len(ids), 1000):
            cursor = self._col("messages").find(
                {"_id": {"$in": ids[start : start + 1000]}, "wa_id": {"$ne": None}},
                {"wa_id": 1, "sent_at": 1},
            )
            sent.update({doc["_id"]: doc async for doc in cursor})
        uncertain = 0
        for doc in in_flight:
            message = sent.get(doc.get("message_id"))
            if message is not None:
                # The message went (the store has its WhatsApp id): the recipient is sent.
                changes: Document = {
                    "status": str(RecipientStatus.SENT),
                    "wa_id": message["wa_id"],
                    "sent_at": message.get("sent_at"),
                }
            else:
                changes = {"status": str(RecipientStatus.UNCERTAIN), "reason": IN_FLIGHT_REASON}
            result = await recipients.update_one(
                {"_id": doc["_id"], "status": str(RecipientStatus.SENDING)},
                {"$set": {**changes, "updated_at": at}},
            )
            uncertain += result.matched_count if message is None else 0
        return uncertain

    @_mongo_errors
    async def resolve_uncertain(
        self,
        campaign_id: int | str,
        phones: Sequence[str] | None,
        action: UncertainAction,
        at: datetime,
        audit: AuditEntry | None = None,
    ) -> int:
        at = store_time(at)
        entry = self._audit_entry(audit) if audit is not None else None
        query: Document = {
            "campaign_id": str(campaign_id),
            "status": str(RecipientStatus.UNCERTAIN),
        }
        if phones is not None:
            query["phone"] = {"$in": unique_in_order(list(phones))}

        async def work(session: Session) -> int:
            recipients = self._col("recipients")
            docs = await recipients.find(query, session=session).to_list(None)
            if not docs:
                return 0
            message_ids = [d.get("message_id") for d in docs if d.get("message_id") is not None]
            changed = 0
            if UncertainAction(action) is UncertainAction.RESEND:
                await self._fail_messages(session, message_ids, RESENT_ERROR, at)
                for doc in docs:
                    result = await recipients.update_one(
                        {"_id": doc["_id"], "status": str(RecipientStatus.UNCERTAIN)},
                        {
                            "$set": {
                                "status": str(RecipientStatus.PENDING),
                                "bot_id": None,
                                "message_id": None,
                                "claimed_at": None,
                                "reason": None,
                                "updated_at": at,
                            }
                        },
                        session=session,
                    )
                    changed += result.matched_count
            else:
                messages = self._col("messages")
                for doc in docs:
                    claimed_at = _utc(doc.get("claimed_at")) or at
                    if doc.get("message_id") is not None:
                        await messages.update_one(
                            {"_id": doc["message_id"], "status": str(MessageStatus.PENDING)},
                            {"$set": {"status": str(MessageStatus.SENT), "sent_at": claimed_at}},
                            session=session,
                        )
                    result = await recipients.update_one(
                        {"_id": doc["_id"], "status": str(RecipientStatus.UNCERTAIN)},
                        {
                            "$set": {
                                "status": str(RecipientStatus.SENT),
                                "sent_at": claimed_at,
                                "reason": MARKED_SENT_REASON,
                                "updated_at": at,
                            }
                        },
                        session=session,
                    )
                    changed += result.matched_count
            if changed and entry is not None:
                await self._col("audit").insert_one(_audit_doc(entry), session=session)
            return changed

        return await self._atomic(work)

    @_mongo_errors
    async def mark_replied(self, phone: str, at: datetime, since: datetime) -> int | str | None:
        at = store_time(at)
        recipients = self._col("recipients")
        doc = await recipients.find_one(
            {
                "phone": phone,
                "status": str(RecipientStatus.SENT),
                "sent_at": {"$gte": store_time(since), "$lte": at},
            },
            sort=[("sent_at", -1), ("_id", -1)],
        )
        if doc is None or doc.get("replied_at") is not None:
            return None
        result = await recipients.update_one(
            {"_id": doc["_id"], "replied_at": None}, {"$set": {"replied_at": at}}
        )
        return doc["campaign_id"] if result.modified_count else None

    @_mongo_errors
    async def sent_times(self, bot_id: str, since: datetime) -> list[datetime]:
        cursor = (
            self._col("messages")
            .find(
                {
                    "bot_id": bot_id,
                    "direction": str(Direction.OUT),
                    "created_at": {"$gte": store_time(since)},
                    "status": {"$ne": str(MessageStatus.FAILED)},
                },
                {"created_at": 1},
            )
            .sort([("created_at", 1), ("_id", 1)])
        )
        return [_required_utc(doc["created_at"]) async for doc in cursor]

    @_mongo_errors
    async def recent_outbound(self, since: datetime) -> set[tuple[str, str]]:
        cursor = self._col("messages").find(
            {
                "direction": str(Direction.OUT),
                "created_at": {"$gte": store_time(since)},
                "status": {"$ne": str(MessageStatus.FAILED)},
            },
            {"peer": 1, "text": 1},
        )
        return {(doc["peer"], doc["text"]) async for doc in cursor}

    @_mongo_errors
    async def opted_out_among(self, phones: Sequence[str]) -> set[str]:
        wanted = unique_in_order(list(phones))
        found: set[str] = set()
        for start in range(0, len(wanted), 1000):
            cursor = self._col("opt_outs").find(
                {"_id": {"$in": wanted[start : start + 1000]}}, {"_id": 1}
            )
            found.update([doc["_id"] async for doc in cursor])
        return found

    @_mongo_errors
    async def owners_of(self, phones: Sequence[str]) -> dict[str, str]:
        wanted = unique_in_order(list(phones))
        owners: dict[str, str] = {}
        for start in range(0, len(wanted), 1000):
            cursor = (
                self._col("contact_refs")
                .find({"phone": {"$in": wanted[start : start + 1000]}}, {"phone": 1, "bot_id": 1})
                .sort([("created_at", -1), ("_id", -1)])
            )
            # Newest first, so the oldest reference of each phone is written last.
            owners.update({doc["phone"]: doc["bot_id"] async for doc in cursor})
        return owners

    # --- opt-outs -------------------------------------------------------------------

    @_mongo_errors
    async def add_opt_out(self, opt_out: OptOut) -> bool:
        try:
            await self._col("opt_outs").insert_one(
                {
                    "_id": opt_out.phone,
                    "reason": opt_out.reason,
                    "bot_id": opt_out.bot_id,
                    "created_at": store_time(opt_out.created_at),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    @_mongo_errors
    async def remove_opt_out(self, phone: str) -> bool:
        result = await self._col("opt_outs").delete_one({"_id": phone})
        return result.deleted_count > 0

    @_mongo_errors
    async def is_opted_out(self, phone: str) -> bool:
        return await self._col("opt_outs").find_one({"_id": phone}, {"_id": 1}) is not None

    @_mongo_errors
    async def get_opt_out(self, phone: str) -> OptOut | None:
        doc = await self._col("opt_outs").find_one({"_id": phone})
        return _opt_out(doc) if doc is not None else None

    @_mongo_errors
    async def list_opt_outs(self, limit: int = 1000) -> list[OptOut]:
        if limit <= 0:
            return []
        cursor = self._col("opt_outs").find({}).sort([("created_at", -1), ("_id", 1)]).limit(limit)
        return [_opt_out(doc) for doc in await cursor.to_list(None)]

    # --- audit trail ----------------------------------------------------------------

    @_mongo_errors
    async def add_audit(self, entry: AuditEntry) -> AuditEntry:
        entry = self._audit_entry(entry)
        await self._col("audit").insert_one(_audit_doc(entry))
        return entry

    @staticmethod
    def _audit_entry(entry: AuditEntry) -> AuditEntry:
        return replace(
            entry, id=_new_id(), at=store_time(entry.at), detail=audit_detail(entry.detail)
        )

    @_mongo_errors
    async def list_audit(self, bot_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        if limit <= 0:
            return []
        query: Document = {} if bot_id is None else {"bot_id": bot_id}
        cursor = self._col("audit").find(query).sort([("at", -1), ("_id", -1)]).limit(limit)
        return [_audit(doc) for doc in await cursor.to_list(None)]

    # --- sync state -----------------------------------------------------------------

    @_mongo_errors
    async def get_sync_state(self, account: str = "default") -> SyncState:
        doc = await self._col("sync_state").find_one({"_id": account})
        return _sync_state(doc) if doc else SyncState(account=account)

    async def _save_sync_state(self, session: Session, state: SyncState) -> None:
        await self._col("sync_state").replace_one(
            {"_id": state.account}, _sync_state_doc(state), upsert=True, session=session
        )

    @_mongo_errors
    async def set_sync_state(self, state: SyncState) -> None:
        await self._save_sync_state(None, state)

    @_mongo_errors
    async def apply_sync_page(
        self,
        upserts: Sequence[Contact],
        deleted: Sequence[str],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> SyncPageOutcome:
        upserts = last_wins(upserts)

        async def work(session: Session) -> SyncPageOutcome:
            created, updated = await self._count_changes(session, upserts)
            # In this order, so without a transaction the token is saved only
            # once the page it covers has fully landed.
            if upserts:
                await self._write_contacts(session, upserts, generation)
            gone = await self._mark_deleted(session, deleted) if deleted else 0
            if state is not None:
                await self._save_sync_state(session, state)
            return SyncPageOutcome(created=created, updated=updated, deleted=gone)

        return await self._atomic(work)

    @_mongo_errors
    async def finish_full_sync(self, generation: str, state: SyncState) -> int:
        async def work(session: Session) -> int:
            # Deletions before the token: without a transaction, a crash between the
            # two makes the next run list everything again, which changes nothing.
            # $ne also matches contacts that carry no generation at all.
            result = await self._col("contacts").update_many(
                {"deleted": False, "sync_generation": {"$ne": generation}},
                {"$set": {"deleted": True}},
                session=session,
            )
            await self._save_sync_state(session, state)
            return int(result.modified_count)

        return await self._atomic(work)

    # --- leases ---------------------------------------------------------------------

    @_mongo_errors
    async def acquire_lease(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        now: datetime,
        *,
        take_over: str | None = None,
    ) -> Lease:
        now = store_time(now)
        free: list[Document] = [{"expires_at": {"$lte": now}}, {"holder": holder}]
        if take_over is not None:
            free.append({"holder": take_over})
        collection = self._col("leases")
        fields = {"holder": holder, "acquired_at": now, "expires_at": store_time(now + ttl)}
        try:
            # One atomic document update: the lease is taken only if it is free now;
            # when someone else holds it the upsert collides on _id instead.
            doc = await collection.find_one_and_update(
                {"_id": name, "$or": free},
                {"$set": fields},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            doc = await collection.find_one({"_id": name})
        if doc is None:  # released between the two calls: try once more
            doc = await collection.find_one_and_update(
                {"_id": name, "$or": free},
                {"$set": fields},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        return _lease(doc)

    @_mongo_errors
    async def renew_lease(
        self, name: str, holder: str, ttl: timedelta, now: datetime
    ) -> Lease | None:
        doc = await self._col("leases").find_one_and_update(
            {"_id": name, "holder": holder},
            {"$set": {"expires_at": store_time(now + ttl)}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else _lease(doc)

    @_mongo_errors
    async def release_lease(self, name: str, holder: str) -> bool:
        result = await self._col("leases").delete_one({"_id": name, "holder": holder})
        return result.deleted_count > 0

    @_mongo_errors
    async def get_lease(self, name: str) -> Lease | None:
        doc = await self._col("leases").find_one({"_id": name})
        return None if doc is None else _lease(doc)
