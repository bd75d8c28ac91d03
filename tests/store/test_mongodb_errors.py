"""MongoDB failures as one-line store errors that keep the cause and name the fix.

The failures are built as pymongo raises them (messages taken from its sources and
from what servers and Atlas answer), since no server can be made to fail here.
"""

from __future__ import annotations

import pytest
from bson.errors import InvalidDocument
from pymongo.errors import (
    AutoReconnect,
    ConfigurationError,
    DocumentTooLarge,
    DuplicateKeyError,
    NotPrimaryError,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from linda_tui.store.base import StoreError, TransientStoreError
from linda_tui.store.mongo.failures import is_transient, store_error

URL = "mongodb://linda:s3cr3t-pw@cluster0.example.mongodb.net/brokerage"
WHERE = "cluster0.example.mongodb.net"
TOPOLOGY = (
    ", Timeout: 30s, Topology Description: <TopologyDescription id: 65f0, topology_type: "
    "ReplicaSetNoPrimary, servers: [<ServerDescription ('cluster0.example.mongodb.net', 27017) "
    "server_type: Unknown, rtt: None, error=AutoReconnect('...')>]>"
)


def error(exc: BaseException, url: str = URL, database: str = "brokerage") -> StoreError:
    result = store_error(exc, url=url, where=WHERE, database=database)
    text = str(result)
    assert "\n" not in text and "s3cr3t" not in text and "Topology Description" not in text
    assert len(text) < 600
    return result


def auth_failure(code: int, errmsg: str) -> OperationFailure:
    return OperationFailure(errmsg, code, {"ok": 0, "errmsg": errmsg, "code": code})


@pytest.mark.parametrize(
    ("cause", "meaning", "fix"),
    [
        (
            "cluster0.example.mongodb.net:27017: [SSL: CERTIFICATE_VERIFY_FAILED] certificate "
            "verify failed: self signed certificate in certificate chain (_ssl.c:1006)",
            "the server's TLS certificate is not trusted here",
            "tlsCAFile=",
        ),
        (
            "SSL handshake failed: cluster0.example.mongodb.net:27017: [SSL: "
            "TLSV1_ALERT_INTERNAL_ERROR] tlsv1 alert internal error (_ssl.c:1006)",
            "the server closed the connection",
            "IP access list",
        ),
        (
            "cluster0.example.mongodb.net:27017: connection closed",
            "the server closed the connection",
            "IP access list",
        ),
        (
            'No replica set members match selector "Primary()"',
            "no primary was found",
            "replicaSet=",
        ),
        (
            "localhost:27017: [Errno 111] Connection refused (configured timeouts: "
            "socketTimeoutMS: 20000.0ms, connectTimeoutMS: 20000.0ms)",
            "nothing listens there",
            "start MongoDB",
        ),
        (
            "db.internal:27017: [Errno -2] Name or service not known",
            "the host name does not resolve",
            "DNS",
        ),
        ("cluster0.example.mongodb.net:27017: timed out", "no answer in time", "firewall"),
        (
            # A host name holding "dns": still a refused connection, not a DNS failure.
            "mongo-dns1.internal:27017: [Errno 111] Connection refused",
            "nothing listens there",
            "start MongoDB",
        ),
        (
            # Started with --replSet but rs.initiate() never run, no replicaSet= in the URL.
            'No servers match selector "Primary()"',
            "no primary was found",
            "rs.initiate()",
        ),
    ],
)
def test_a_connection_failure_keeps_its_cause_and_names_the_fix(
    cause: str, meaning: str, fix: str
) -> None:
    result = error(ServerSelectionTimeoutError(cause + TOPOLOGY))
    text = str(result)
    assert isinstance(result, TransientStoreError)
    assert text.startswith(f"cannot reach MongoDB at {WHERE}: {meaning} (")
    assert fix in text.split(" — ", 1)[1]
    assert "configured timeouts" not in text


def test_a_cause_quoting_the_password_is_masked() -> None:
    text = str(error(AutoReconnect("auth to s3cr3t-pw@cluster0 failed: connection closed")))
    assert "***" in text


@pytest.mark.parametrize(
    ("code", "errmsg"),
    [(18, "Authentication failed."), (8000, "bad auth : Authentication failed.")],
)
def test_a_refused_login_suggests_auth_source_admin_when_it_may_be_the_cause(
    code: int, errmsg: str
) -> None:
    text = str(error(auth_failure(code, errmsg)))
    assert text.startswith(f"MongoDB at {WHERE} refused the login ({errmsg}) — check the user")
    assert "?authSource=admin" in text and "'brokerage'" in text
    # Already set, or the database is admin itself: nothing to suggest.
    for url, database in ((URL + "?authSource=admin", "brokerage"), (URL, "admin")):
        assert "authSource" not in str(error(auth_failure(code, errmsg), url, database))


@pytest.mark.parametrize(
    ("code", "errmsg"),
    [
        (13, 'not authorized on brokerage to execute command { insert: "messages" }'),
        (8000, "user is not allowed to do action [insert] on [brokerage.messages]"),
    ],
)
def test_a_missing_privilege_names_the_role_to_grant(code: int, errmsg: str) -> None:
    text = str(error(auth_failure(code, errmsg)))
    assert "may not use database 'brokerage'" in text
    assert "grant it the readWrite role on 'brokerage'" in text


def test_an_srv_name_that_does_not_resolve() -> None:
    exc = ConfigurationError(
        "The DNS query name does not exist: _mongodb._tcp.cluster9.example.net."
    )
    text = str(error(exc))
    assert "the host name does not resolve" in text and "_mongodb._tcp.cluster9" in text


@pytest.mark.parametrize(
    "exc",
    [
        NotPrimaryError("not primary", {"code": 10107, "errmsg": "not primary"}),
        OperationFailure("interrupted", 11602),
        OperationFailure("write conflict", 112),
        OperationFailure("no such transaction", 251),
        OperationFailure("w: majority not reached", 64),
        OperationFailure(
            "conflict", 24, {"errorLabels": ["TransientTransactionError"], "code": 24}
        ),
        AutoReconnect("connection reset"),
    ],
)
def test_failures_that_pass_are_transient(exc: BaseException) -> None:
    assert is_transient(exc)
    assert isinstance(error(exc), TransientStoreError)


@pytest.mark.parametrize(
    "exc",
    [
        DuplicateKeyError("E11000 duplicate key error", 11000),
        OperationFailure("bad value", 2),
        auth_failure(18, "Authentication failed."),
    ],
)
def test_failures_that_will_not_pass_are_not_transient(exc: BaseException) -> None:
    assert not is_transient(exc)
    assert not isinstance(error(exc), TransientStoreError)


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (OverflowError("MongoDB can only handle up to 8-byte ints"), "8 bytes"),
        (
            DocumentTooLarge("BSON document too large (17825861 bytes)"),
            "16 MiB document limit",
        ),
        (InvalidDocument("cannot encode object: <object object>"), "cannot store this record"),
    ],
)
def test_values_bson_cannot_hold_are_store_errors(exc: BaseException, said: str) -> None:
    text = str(error(exc))
    assert said in text and not isinstance(error(exc), TransientStoreError)


def test_a_login_required_without_a_user_in_the_url_says_to_add_one() -> None:
    failure = auth_failure(13, "command insert requires authentication")
    text = str(error(failure, "mongodb://cluster0.example.mongodb.net/brokerage"))
    assert "requires a login" in text and "mongodb://user:password@" in text
    assert "grant it the readWrite role" in str(error(failure))  # a user, short of a role
    # A user whose password holds a '/' is a user (read as redaction reads the URL).
    with_slash = "mongodb://linda:pa/ss@cluster0.example.mongodb.net/brokerage"
    assert "grant it the readWrite role" in str(
        store_error(failure, url=with_slash, where=WHERE, database="brokerage")
    )


def test_options_separated_by_semicolons_are_read() -> None:
    from linda_tui.store.mongo.failures import has_option

    assert has_option("mongodb://h/linda?replicaSet=rs0;w=1", "w")
    assert has_option("mongodb://h/linda?replicaSet=rs0;authSource=admin", "authsource")
