"""MongoDB failures as one-line StoreErrors that say what is wrong and how to fix it.

A connection failure keeps pymongo's cause (refused, a TLS certificate, the Atlas IP
access list, a replica-set name, DNS), with anything from the URL's password masked.
A failure that passes by itself (an election, a lost connection, a timeout) becomes a
TransientStoreError, which callers may retry.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from bson.errors import BSONError
from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    DocumentTooLarge,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)

from linda_tui.store.base import StoreError, TransientStoreError
from linda_tui.store.urls import has_userinfo, hide_url_secrets, redact_urls_in_text

# Server codes of failures that pass: not primary / recovering / shutting down (an
# election), network, and time limits (pymongo's retryable-write codes, with
# WriteConflict and NoSuchTransaction, which a transaction hits when another one wins).
TRANSIENT_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        50,  # MaxTimeMSExpired
        64,  # WriteConcernFailed (w: majority not reached in time)
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        112,  # WriteConflict
        134,  # ReadConcernMajorityNotAvailableYet
        189,  # PrimarySteppedDown
        251,  # NoSuchTransaction
        262,  # ExceededTimeLimit
        9001,  # SocketException
        10058,  # LegacyNotPrimary
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)
TRANSIENT_LABELS = (
    "TransientTransactionError",
    "UnknownTransactionCommitResult",
    "RetryableWriteError",
)

AUTH_FAILED = 18
UNAUTHORIZED = 13
ATLAS_ERROR = 8000  # Atlas reports a bad login (and a missing privilege) with this code

# "(configured timeouts: socketTimeoutMS: 20000.0ms, connectTimeoutMS: 20000.0ms)"
_CONFIGURED_TIMEOUTS = re.compile(r"\s*\(configured timeouts:[^)]*\)")

# What a connection failure's cause says: (needles, what it means, the fix); first match.
# A cause quotes the hosts it tried, so a needle must not be a word a host name may hold
# ("dns" alone would read mongo-dns1's refused connection as a DNS failure).
_CAUSES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("certificate verify failed", "certificate_verify_failed", "doesn't match"),
        "the server's TLS certificate is not trusted here",
        "add tlsCAFile=/path/to/ca.pem to LINDA_STORE_URL, or fix the server's certificate",
    ),
    (
        ("connection refused",),
        "nothing listens there",
        "start MongoDB, or fix the host and port in LINDA_STORE_URL",
    ),
    (
        (
            "name or service not known",
            "nodename nor servname",
            "name resolution",
            "getaddrinfo",
            "the dns ",
            "dns query",
            "dns operation",
            "no address associated",
        ),
        "the host name does not resolve",
        "check the host in LINDA_STORE_URL and this machine's DNS",
    ),
    (
        (
            "no replica set members",
            "no primary",
            "replicaset",
            "setname",
            "replica set name",
            "match selector",
        ),
        "no primary was found",
        "check that replicaSet= in LINDA_STORE_URL is the set's name (rs.status().set) and "
        "that rs.initiate() was run",
    ),
    (
        (
            "ssl handshake failed",
            "tlsv1_alert",
            "connection closed",
            "connection reset",
            "eof occurred",
        ),
        "the server closed the connection",
        "on Atlas, add this machine's IP address to the project's IP access list (Network "
        "Access); elsewhere check tls= and the port in LINDA_STORE_URL",
    ),
    (
        ("timed out", "timeout"),
        "no answer in time",
        "check the host, the port and any firewall in between",
    ),
)
_NO_ANSWER = ("it did not answer", "check LINDA_STORE_URL and that the server is running")


def one_line(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_transient(exc: BaseException) -> bool:
    """True when the same operation may succeed if tried again a little later."""
    if not isinstance(exc, PyMongoError) or isinstance(exc, DuplicateKeyError):
        return False
    if isinstance(exc, ConnectionFailure) or exc.timeout:
        return True
    if any(exc.has_error_label(label) for label in TRANSIENT_LABELS):
        return True
    return isinstance(exc, OperationFailure) and exc.code in TRANSIENT_CODES


def connection_cause(exc: BaseException, url: str) -> str:
    """pymongo's reason for a connection failure, short, with the URL's secrets masked."""
    text = str(exc).split(", Timeout:", 1)[0]  # the topology description adds nothing
    text = _CONFIGURED_TIMEOUTS.sub("", text)
    return one_line(redact_urls_in_text(hide_url_secrets(text, url)), 200)


def diagnose(cause: str) -> tuple[str, str]:
    """(what a connection failure's cause means, how to fix it)."""
    lowered = cause.lower()
    for needles, meaning, fix in _CAUSES:
        if any(needle in lowered for needle in needles):
            return meaning, fix
    return _NO_ANSWER


def _url_options(url: str) -> dict[str, list[str]]:
    """The query options of a MongoDB URL, names lowercased (MongoDB's are case-insensitive)."""
    # MongoDB's connection strings may separate options with ";" as well as "&".
    query = url.partition("?")[2].replace(";", "&")
    return {name.lower(): values for name, values in parse_qs(query).items()}


def has_option(url: str, name: str) -> bool:
    return name.lower() in _url_options(url)


def store_error(exc: BaseException, *, url: str, where: str, database: str) -> StoreError:
    """The StoreError for a failure of MongoDB (or of BSON encoding) at ``where``."""
    if isinstance(exc, OverflowError):
        return StoreError(
            f"MongoDB at {where} cannot hold a number in this record (integers are at most "
            f"8 bytes): {one_line(str(exc))}"
        )
    if isinstance(exc, DocumentTooLarge):
        return StoreError(
            f"MongoDB at {where} refused a record over its 16 MiB document limit "
            f"({one_line(str(exc))}); nothing of it was saved"
        )
    if isinstance(exc, BSONError):  # InvalidDocument, InvalidStringData...
        return StoreError(
            f"MongoDB at {where} cannot store this record ({one_line(str(exc))}); "
            "nothing of it was saved"
        )
    assert isinstance(exc, PyMongoError)
    details = getattr(exc, "details", None)
    message = str(details.get("errmsg", exc)) if isinstance(details, dict) else str(exc)
    message = one_line(redact_urls_in_text(hide_url_secrets(message, url)))
    if isinstance(exc, ConnectionFailure):
        cause = connection_cause(exc, url)
        meaning, fix = diagnose(cause)
        return TransientStoreError(f"cannot reach MongoDB at {where}: {meaning} ({cause}) — {fix}")
    if isinstance(exc, ConfigurationError) and "dns" in message.lower():
        meaning, fix = diagnose("the dns ")
        return StoreError(f"cannot find MongoDB at {where}: {meaning} ({message}) — {fix}")
    if isinstance(exc, DuplicateKeyError):
        return StoreError(f"the store refused the write (duplicate key): {message}")
    code = exc.code if isinstance(exc, OperationFailure) else None
    lowered = message.lower()
    if code == AUTH_FAILED or (code == ATLAS_ERROR and "auth" in lowered):
        hint = "check the user name and password in LINDA_STORE_URL"
        if not has_option(url, "authSource") and database != "admin":
            # The URL's database is also where the user is looked up, by default.
            hint += (
                f"; a user created in the admin database (every Atlas user is) also needs "
                f"?authSource=admin, since the login is checked in {database!r} otherwise"
            )
        return StoreError(f"MongoDB at {where} refused the login ({message}) — {hint}")
    if code == UNAUTHORIZED and not has_userinfo(url):
        return StoreError(
            f"MongoDB at {where} requires a login ({message}) — put the user and password "
            "in LINDA_STORE_URL: mongodb://user:password@host/linda"
        )
    if code in (UNAUTHORIZED, ATLAS_ERROR):
        return StoreError(
            f"MongoDB at {where}: the user may not use database {database!r} ({message}) — "
            f"grant it the readWrite role on {database!r}"
        )
    if is_transient(exc):
        return TransientStoreError(
            f"MongoDB at {where} is busy or changing primary ({message}); try again"
        )
    return StoreError(f"MongoDB at {where}: {message}")
