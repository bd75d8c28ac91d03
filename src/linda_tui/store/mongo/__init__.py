"""The MongoDB store, through motor. All of Linda's MongoDB code lives in this package.

Chosen when the store URL starts with ``mongodb://`` or ``mongodb+srv://``; the
database is the one named in the URL's path (``linda`` when none is). One collection
per record type; one module per group of them:

- ``connection``: opening (bounded), closing (off the loop), errors, transactions;
- ``schema``: collections, indexes that serve every sort, schema versions;
- ``failures``: driver failures as one-line StoreErrors (transient ones retryable);
- ``documents``: records as documents and back;
- ``contacts``, ``messages``, ``broadcasts``, ``trail`` (opt-outs, audit), ``sync``
  (sync state, leases): the Store methods of each record type;
- ``fake_replica_set``: a test double of a replica set (mongomock with pymongo's
  session and transaction API) for tests and benchmarks; Linda never imports it.

Atomicity: every write that belongs together runs in one transaction. Linda needs a
replica set (Atlas always is one; a single server becomes one with ``--replSet rs0``
and ``rs.initiate()``): a standalone server is refused on open with that recipe, rather
than leaving a send without its audit entry or recipients without their campaign after
a crash in between.
"""

from __future__ import annotations

from linda_tui.store.mongo.broadcasts import BroadcastRecords
from linda_tui.store.mongo.connection import DEFAULT_DATABASE
from linda_tui.store.mongo.messages import MessageRecords
from linda_tui.store.mongo.schema import SCHEMA_VERSION
from linda_tui.store.mongo.sync import SyncRecords
from linda_tui.store.mongo.trail import TrailRecords


class MongoStore(SyncRecords, MessageRecords, BroadcastRecords, TrailRecords):
    """The store in a MongoDB replica set (or sharded cluster, or Atlas).

    ``MongoStore(url)`` makes its own client on open; ``client=`` hands one in (tests
    pass the fake replica set), and ``database=`` overrides the URL's database.
    """


__all__ = ["DEFAULT_DATABASE", "SCHEMA_VERSION", "MongoStore"]
