"""The Google People API client: credentials, calls, retries, and failures in one line.

Built on google-api-python-client (static discovery: no network call to build it) and
google-auth:

- Credentials: a service-account key with domain-wide delegation
  (LINDA_GOOGLE_CREDENTIALS, ``"type": "service_account"``, acting as
  LINDA_GOOGLE_SUBJECT; tokens come from the key's own ``token_uri``), or the
  authorised-user token file written by ``linda google login`` (LINDA_GOOGLE_TOKEN; its
  ``token_uri`` is applied with ``with_token_uri`` because google-auth's loader ignores
  it). Files are read with a regular-file check and a size cap.
- LINDA_PEOPLE_API_ENDPOINT replaces Google's base URL for every call
  (``<endpoint>/v1/people/me/connections`` ...).
- googleapiclient and httplib2 block: every call runs on this client's own thread (one,
  so the httplib2 connection is never shared between threads), never on the event loop.
- 429, 5xx, dropped connections and unreadable replies are retried with exponential
  back-off and jitter, honouring Retry-After, a bounded number of times. Writes are
  retried only when Google answered (429/5xx: nothing was created), never after a
  dropped connection, which may have created the contacts already.
- Every failure becomes a PeopleApiError whose text is one line for the operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import http.client
import json
import logging
import random
import socket
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth import exceptions as auth_exceptions
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from linda_tui.config.settings import Settings
from linda_tui.contacts.credential_files import read_json_file
from linda_tui.contacts.errors import PeopleApiError, Problem, SyncTokenExpired
from linda_tui.whatsapp.backoff import ExponentialBackoff

log = logging.getLogger(__name__)

CONTACTS_SCOPE = "https://www.googleapis.com/auth/contacts"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_API_ENDPOINT = "https://people.googleapis.com/"
# What a sync reads of each person: the same on every page of a listing.
PERSON_FIELDS = "names,phoneNumbers,emailAddresses,memberships,metadata"
MAX_PAGE_SIZE = 1000
# A page of 1,000 people is a few MiB: a reply over this is not the People API's, and
# read whole it would take the machine's memory (the limit holds once unzipped too).
MAX_REPLY_BYTES = 64 * 1024 * 1024
# The longest one exchange may take, start to end: the socket timeout bounds each read,
# but a server trickling a byte a read would hold a sync (and its lease) for hours.
CALL_SECONDS = 120.0
MAX_BATCH_CREATE = 200

_CREDENTIALS_FIX = (
    "download a service-account key (Workspace) from Google Cloud console, or run "
    "`linda google login` (Gmail)"
)
_TOKEN_FIX = "run `linda google login` to write a new token file"
_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a call that may work a moment later.

    ``attempts`` counts the first try. Delays double from ``initial`` up to ``cap``,
    scattered by ``jitter``; a Retry-After from Google is waited for at least, unless it
    exceeds ``max_retry_after``, when the call gives up at once (the next scheduled
    sync will try again).
    """

    attempts: int = 6
    initial: float = 1.0
    cap: float = 32.0
    jitter: float = 0.5
    max_retry_after: float = 120.0

    def backoff(self, rng: random.Random | None = None) -> ExponentialBackoff:
        return ExponentialBackoff(initial=self.initial, cap=self.cap, jitter=self.jitter, rng=rng)


@dataclass(frozen=True)
class RetryNotice:
    """A call failed and will be tried again after ``delay`` seconds (for progress)."""

    what: str
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True)
class ConnectionsPage:
    """One page of people.connections.list."""

    people: list[dict[str, Any]]
    next_page_token: str | None
    next_sync_token: str | None
    total: int | None


# --- credentials -----------------------------------------------------------------------------


def _require(info: dict[str, Any], keys: Sequence[str], shown: str, fix: str) -> None:
    for key in keys:
        value = info.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PeopleApiError(
                f"{shown}: the {key!r} field is missing or empty — {fix}", Problem.CREDENTIALS
            )


def load_credentials(settings: Settings) -> Any:
    """Google credentials from the settings, or a PeopleApiError (one line) saying why not.

    A service-account key in LINDA_GOOGLE_CREDENTIALS wins; otherwise the token file in
    LINDA_GOOGLE_TOKEN. Nothing is sent to Google here.
    """
    key_path, token_path = settings.google_credentials, settings.google_token
    if key_path is None and token_path is None:
        raise PeopleApiError(
            "Google Contacts is not set up: no credentials — set LINDA_GOOGLE_CREDENTIALS to "
            "a service-account key and LINDA_GOOGLE_SUBJECT (Workspace), or run `linda "
            "google login` and set LINDA_GOOGLE_TOKEN (Gmail)",
            Problem.CREDENTIALS,
        )
    key: dict[str, Any] | None = None
    if key_path is not None:
        key = read_json_file(Path(key_path), "LINDA_GOOGLE_CREDENTIALS", _CREDENTIALS_FIX)
        if key.get("type") == "service_account":
            return _service_account(key, settings)
    if token_path is not None:
        return _authorized_user(Path(token_path))
    assert key is not None and key_path is not None
    shown = f"LINDA_GOOGLE_CREDENTIALS {key_path}"
    if "installed" in key or "web" in key:
        raise PeopleApiError(
            f"{shown} is an OAuth client, which signs in but is not a sign-in itself — run "
            "`linda google login` and set LINDA_GOOGLE_TOKEN to the token file it writes",
            Problem.CREDENTIALS,
        )
    kind = key.get("type")
    described = f"of type {str(kind)[:40]!r}" if kind is not None else "of no known type"
    raise PeopleApiError(
        f"{shown} is a JSON file {described}, not a service-account key — {_CREDENTIALS_FIX}",
        Problem.CREDENTIALS,
    )


def _service_account(key: dict[str, Any], settings: Settings) -> Any:
    shown = f"LINDA_GOOGLE_CREDENTIALS {settings.google_credentials}"
    fix = "create a new JSON key for the service account in Google Cloud console"
    _require(key, ("client_email", "private_key", "token_uri"), shown, fix)
    token_uri = key.get("token_uri")
    if not isinstance(token_uri, str) or not token_uri.startswith(("https://", "http://")):
        raise PeopleApiError(
            f"{shown}: token_uri is not an http(s) URL — {fix}", Problem.CREDENTIALS
        )
    subject = settings.google_subject
    if not subject:
        raise PeopleApiError(
            f"{shown} is a service-account key, which needs a Workspace user to act for — "
            "set LINDA_GOOGLE_SUBJECT to that user, e.g. admin@example.com",
            Problem.CREDENTIALS,
        )
    try:
        # The key's own token_uri is used for tokens (google-auth reads it from the key).
        return service_account.Credentials.from_service_account_info(
            key, scopes=[CONTACTS_SCOPE], subject=subject
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        reason = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise PeopleApiError(
            f"{shown}: the private key cannot be read ({reason}) — {fix}", Problem.CREDENTIALS
        ) from None


def _authorized_user(path: Path) -> Any:
    shown = f"LINDA_GOOGLE_TOKEN {path}"
    info = read_json_file(path, "LINDA_GOOGLE_TOKEN", _TOKEN_FIX)
    kind = info.get("type", "authorized_user")
    if kind != "authorized_user":
        raise PeopleApiError(
            f"{shown} is a JSON file of type {str(kind)[:40]!r}, not a token file from "
            f"`linda google login` — {_TOKEN_FIX}",
            Problem.CREDENTIALS,
        )
    _require(info, ("client_id", "client_secret", "refresh_token"), shown, _TOKEN_FIX)
    scopes = info.get("scopes")
    if isinstance(scopes, str):
        scopes = scopes.split()
    if isinstance(scopes, list) and CONTACTS_SCOPE not in scopes:
        raise PeopleApiError(
            f"{shown} was granted without access to Google Contacts — {_TOKEN_FIX}",
            Problem.CREDENTIALS,
        )
    token_uri = info.get("token_uri") or GOOGLE_TOKEN_URI
    if not isinstance(token_uri, str) or not token_uri.startswith(("https://", "http://")):
        raise PeopleApiError(
            f"{shown}: token_uri is not an http(s) URL — {_TOKEN_FIX}", Problem.CREDENTIALS
        )
    try:
        loaded = user_credentials.Credentials.from_authorized_user_info(
            info, scopes=[CONTACTS_SCOPE]
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        reason = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise PeopleApiError(
            f"{shown}: cannot be read as a token ({reason}) — {_TOKEN_FIX}", Problem.CREDENTIALS
        ) from None
    # from_authorized_user_info always uses Google's token URL; the file's own one is
    # where this refresh token was issued (a proxy, or the fake in tests).
    return loaded.with_token_uri(token_uri)


def api_endpoint(settings: Settings) -> str:
    """The People API base URL, with a trailing slash (the client joins paths to it)."""
    endpoint = settings.people_api_endpoint or GOOGLE_API_ENDPOINT
    return endpoint if endpoint.endswith("/") else endpoint + "/"


# --- failures ------------------------------------------------------------------------------


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_body(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content[:65536].decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _reasons(error: dict[str, Any]) -> set[str]:
    reasons = set()
    for key in ("details", "errors"):  # errors: the older APIs' shape
        items = error.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("reason"):
                reasons.add(str(item["reason"]))
    return reasons


def _mentions_sync_token(error: dict[str, Any]) -> bool:
    text = json.dumps(error).lower()
    return "sync token" in text or "sync_token" in text or "synctoken" in text


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class _Failure:
    error: PeopleApiError
    retryable: bool
    retry_after: float | None = None
    cause: str = ""  # a few words for a retry notice: "HTTP 503", "timed out"


def _http_failure(exc: HttpError, where: str, sync_token_sent: bool) -> _Failure:
    failure = _http_failure_of(exc, where, sync_token_sent)
    return replace(failure, cause=f"HTTP {exc.resp.status}")


def _http_failure_of(exc: HttpError, where: str, sync_token_sent: bool) -> _Failure:
    status = int(exc.resp.status)
    error = _error_body(exc.content or b"")
    message = _one_line(error.get("message") or exc.reason or "")
    reasons = _reasons(error)
    google_status = str(error.get("status") or "")
    token_refused = (
        status == 410
        or bool({"EXPIRED_SYNC_TOKEN", "fullSyncRequired"} & reasons)
        or (
            status == 400
            and google_status in ("FAILED_PRECONDITION", "INVALID_ARGUMENT")
            and _mentions_sync_token(error)
        )
    )
    if sync_token_sent and token_refused:
        return _Failure(
            SyncTokenExpired(f"the stored sync token is no longer accepted ({message})", status),
            retryable=False,
        )
    if status == 429:
        return _Failure(
            PeopleApiError(
                f"Google's People API quota is exhausted ({message or 'HTTP 429'}) — wait and "
                "sync again later, or ask for more quota in Google Cloud console",
                Problem.QUOTA,
                status,
            ),
            retryable=True,
            retry_after=_retry_after(exc.resp),
        )
    if status in _SERVER_STATUSES:
        return _Failure(
            PeopleApiError(
                f"the People API at {where} keeps failing (HTTP {status}"
                f"{': ' + message if message else ''}) — try again later",
                Problem.SERVER,
                status,
            ),
            retryable=True,
            retry_after=_retry_after(exc.resp),
        )
    if status == 403 and ({"SERVICE_DISABLED", "accessNotConfigured"} & reasons):
        return _Failure(
            PeopleApiError(
                "the People API is disabled for this Google Cloud project — enable it at "
                "https://console.cloud.google.com/apis/library/people.googleapis.com, wait a "
                "few minutes, then sync again",
                Problem.API_DISABLED,
                status,
            ),
            retryable=False,
        )
    if status == 401:
        return _Failure(
            PeopleApiError(
                f"Google refused Linda's access token ({message or 'HTTP 401'}) — check "
                "LINDA_GOOGLE_CREDENTIALS / LINDA_GOOGLE_TOKEN, or run `linda google login` again",
                Problem.REJECTED,
                status,
            ),
            retryable=False,
        )
    if status == 403:
        return _Failure(
            PeopleApiError(
                f"Google refused access to the contacts ({message or 'HTTP 403'}) — check that "
                "the account may use Google Contacts and that Linda was granted the contacts scope",
                Problem.REFUSED,
                status,
            ),
            retryable=False,
        )
    return _Failure(
        PeopleApiError(
            f"the People API refused the request (HTTP {status}"
            f"{': ' + message if message else ''}) — this is a bug in Linda or the endpoint; "
            "check LINDA_PEOPLE_API_ENDPOINT",
            Problem.REFUSED,
            status,
        ),
        retryable=False,
    )


def _refresh_failure(exc: auth_exceptions.RefreshError, token_uri: str, is_user: bool) -> _Failure:
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    code = str(data.get("error") or "")
    description = _one_line(data.get("error_description") or (exc.args[0] if exc.args else ""))
    said = f"{code}: {description}" if code else description
    if getattr(exc, "retryable", False):
        return _Failure(
            PeopleApiError(
                f"Google's token endpoint {token_uri} keeps failing ({said}) — try again later",
                Problem.SERVER,
            ),
            retryable=True,
            cause=f"token endpoint: {code or 'error'}",
        )
    if is_user:
        if code == "invalid_client":
            fix = "the OAuth client was deleted or its secret changed; download the client JSON again and run `linda google login`"
        else:
            fix = "the sign-in was revoked or has expired; run `linda google login` again"
        return _Failure(
            PeopleApiError(
                f"Google rejected the stored sign-in ({said}) — {fix}", Problem.REJECTED
            ),
            retryable=False,
        )
    if code == "unauthorized_client":
        fix = (
            "domain-wide delegation is not allowed for this service account: in the Workspace "
            "admin console (Security > API controls > Domain-wide delegation) add its client "
            f"ID with the scope {CONTACTS_SCOPE}, and check LINDA_GOOGLE_SUBJECT"
        )
    elif "signature" in description.lower():
        fix = "the key was deleted or revoked; create a new key and point LINDA_GOOGLE_CREDENTIALS at it"
    elif "not found" in description.lower():
        fix = "the service account no longer exists; create one and download its key"
    else:
        fix = "check the key in LINDA_GOOGLE_CREDENTIALS and LINDA_GOOGLE_SUBJECT"
    return _Failure(
        PeopleApiError(
            f"Google rejected the service-account key ({said}) — {fix}", Problem.REJECTED
        ),
        retryable=False,
    )


def _network_failure(exc: BaseException, where: str) -> _Failure:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, TimeoutError | socket.timeout):
        reason = "timed out"
    reason = _one_line(reason, 80) or type(exc).__name__
    return _Failure(
        PeopleApiError(
            f"cannot reach {where} ({reason}) — check the network, the proxy settings "
            "(HTTPS_PROXY) and LINDA_PEOPLE_API_ENDPOINT",
            Problem.NETWORK,
        ),
        retryable=True,
        cause=reason,
    )


class _TokenEndpointUnreachable(Exception):
    """Getting an access token failed before any answer came back."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


# --- the client --------------------------------------------------------------------------------


class _ReplyTooLarge(Exception):
    """A reply over MAX_REPLY_BYTES: not read further."""


def _no_whole_reply() -> TimeoutError:
    return TimeoutError(f"no whole reply within {CALL_SECONDS:.0f} s")


class _BoundedHttp(httplib2.Http):
    """httplib2 with every exchange bounded: at most MAX_REPLY_BYTES read (by its
    Content-Length, or as it is read), and at most CALL_SECONDS in all, after which the
    connection is shut (the blocked read wakes) and the call fails as a timeout."""

    def _conn_request(
        self, conn: Any, request_uri: str, method: str, body: Any, headers: Any
    ) -> Any:
        timed_out = threading.Event()
        # The reply's socket: http.client lets go of conn.sock once the headers of a
        # reply that closes the connection are read, while its body is still coming.
        reading: list[Any] = []

        def cut() -> None:
            timed_out.set()
            for sock in {id(s): s for s in [getattr(conn, "sock", None), *reading] if s}.values():
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        get_response = type(conn).getresponse.__get__(conn)

        def capped_response() -> Any:
            if timed_out.is_set():  # httplib2 tries again on a new connection: not now
                raise _no_whole_reply()
            if getattr(conn, "sock", None) is not None:
                reading.append(conn.sock)
            response = get_response()
            length = response.getheader("content-length")
            if length and length.strip().isdigit() and int(length) > MAX_REPLY_BYTES:
                response.close()
                raise _ReplyTooLarge(f"a reply of {int(length):,} bytes, over {MAX_REPLY_BYTES:,}")
            read = response.read

            def read_capped(amount: int | None = None) -> bytes:
                data = read(MAX_REPLY_BYTES + 1 if amount is None else amount)
                if len(data) > MAX_REPLY_BYTES:
                    raise _ReplyTooLarge(f"a reply over {MAX_REPLY_BYTES:,} bytes")
                if timed_out.is_set():
                    raise _no_whole_reply()
                left = getattr(response, "length", None)
                if amount is None and isinstance(left, int) and left > 0:
                    # read(n) returns what came when the connection ends early; read()
                    # would have raised: a body cut short is no reply.
                    raise http.client.IncompleteRead(bytes(data), left)
                return bytes(data)

            response.read = read_capped
            return response

        conn.getresponse = capped_response
        timer = threading.Timer(CALL_SECONDS, cut)
        timer.daemon = True
        timer.start()
        try:
            return super()._conn_request(conn, request_uri, method, body, headers)
        except (OSError, http.client.HTTPException, httplib2.HttpLib2Error):
            if timed_out.is_set():
                raise _no_whole_reply() from None
            raise
        finally:
            timer.cancel()


class PeopleClient:
    """Calls to the People API for one Google account. Async; each call runs on the
    client's own thread. ``close()`` when done.

    ``sleep`` and ``rng`` are for tests (no real waiting; repeatable jitter).
    ``on_retry`` hears about each retry (the sync's progress shows it).
    """

    def __init__(
        self,
        credentials: Any,
        *,
        endpoint: str = GOOGLE_API_ENDPOINT,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self._credentials = credentials
        self._timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng
        self.on_retry = on_retry
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="people-api")
        self._service: Any = None
        self._http: Any = None
        self._is_user = isinstance(credentials, user_credentials.Credentials)
        token_uri = getattr(credentials, "_token_uri", None) or GOOGLE_TOKEN_URI
        self._token_uri = str(token_uri)

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> PeopleClient:
        """A client for the account the settings name; PeopleApiError when they cannot work."""
        return cls(load_credentials(settings), endpoint=api_endpoint(settings), **options)

    def close(self) -> None:
        """Stop the client's thread (a call in flight finishes on its own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> PeopleClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # --- calls -------------------------------------------------------------------------

    async def list_connections(
        self,
        *,
        sync_token: str | None = None,
        page_token: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        person_fields: str = PERSON_FIELDS,
        request_sync_token: bool = True,
    ) -> ConnectionsPage:
        """One page of the account's contacts. A full listing passes no sync_token; an
        incremental one the token from the last listing. Every page of one listing must
        pass the same sync_token, person_fields and request_sync_token (the API's rule).
        Raises SyncTokenExpired when the token is no longer accepted."""
        params: dict[str, Any] = {
            "resourceName": "people/me",
            "personFields": person_fields,
            "pageSize": max(1, min(page_size, MAX_PAGE_SIZE)),
        }
        if request_sync_token:
            params["requestSyncToken"] = True
        if sync_token is not None:
            params["syncToken"] = sync_token
        if page_token is not None:
            params["pageToken"] = page_token
        reply = await self._call(
            "list contacts",
            lambda service: service.people().connections().list(**params),
            sync_token_sent=sync_token is not None,
        )
        people = reply.get("connections", [])
        if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
            raise self._bad_reply("the contacts in a page are not a list of people")
        total = reply.get("totalItems", reply.get("totalPeople"))
        return ConnectionsPage(
            people=people,
            next_page_token=self._token_field(reply, "nextPageToken"),
            next_sync_token=self._token_field(reply, "nextSyncToken"),
            total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        )

    async def contact_group_names(self) -> dict[str, str]:
        """{group resource name: label} for the account's own labels and Starred."""
        names: dict[str, str] = {}
        page_token: str | None = None
        for _ in range(100):  # 100 pages of 1000 labels: far beyond any real account
            params: dict[str, Any] = {"pageSize": 1000, "groupFields": "name,groupType"}
            if page_token:
                params["pageToken"] = page_token

            def listing(service: Any, p: dict[str, Any] = params) -> Any:
                return service.contactGroups().list(**p)

            reply = await self._call("list labels", listing)
            groups = reply.get("contactGroups", [])
            if not isinstance(groups, list):
                raise self._bad_reply("the labels are not a list")
            for group in groups:
                if not isinstance(group, dict) or not isinstance(group.get("resourceName"), str):
                    continue
                system = group.get("groupType") == "SYSTEM_CONTACT_GROUP"
                if system and group["resourceName"] != "contactGroups/starred":
                    continue  # myContacts holds everyone: not a label worth showing
                label = group.get("formattedName") if system else group.get("name")
                label = label or group.get("name") or group.get("formattedName")
                if isinstance(label, str) and label.strip():
                    names[group["resourceName"]] = label.strip()
            page_token = self._token_field(reply, "nextPageToken")
            if not page_token:
                break
        return names

    async def batch_create_contacts(
        self, people: Sequence[dict[str, Any]], read_mask: str = PERSON_FIELDS
    ) -> list[dict[str, Any]]:
        """Create up to 200 contacts in one call; the PersonResponse of each, in order."""
        if not 0 < len(people) <= MAX_BATCH_CREATE:
            raise ValueError(f"batchCreateContacts takes 1 to {MAX_BATCH_CREATE} contacts")
        body = {"contacts": [{"contactPerson": p} for p in people], "readMask": read_mask}
        reply = await self._call(
            "create contacts",
            lambda service: service.people().batchCreateContacts(body=body),
            write=True,
        )
        created = reply.get("createdPeople", [])
        if not isinstance(created, list) or len(created) != len(people):
            raise self._bad_reply("the created contacts do not match the ones sent")
        return [item if isinstance(item, dict) else {} for item in created]

    async def create_contact(
        self, person: dict[str, Any], person_fields: str = PERSON_FIELDS
    ) -> dict[str, Any]:
        """Create one contact; the person as Google stored it."""
        return await self._call(
            "create a contact",
            lambda service: service.people().createContact(body=person, personFields=person_fields),
            write=True,
        )

    # --- plumbing ------------------------------------------------------------------------

    def _bad_reply(self, what: str) -> PeopleApiError:
        return PeopleApiError(
            f"the People API at {self.endpoint} sent an unexpected reply ({what}) — check "
            "LINDA_PEOPLE_API_ENDPOINT points at the People API",
            Problem.BAD_REPLY,
        )

    def _token_field(self, reply: dict[str, Any], name: str) -> str | None:
        value = reply.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self._bad_reply(f"{name} is not text")
        return value

    def _build(self) -> Any:
        http = _BoundedHttp(timeout=self._timeout, decode_limit_hard=MAX_REPLY_BYTES)
        self._http = http
        authorized = google_auth_httplib2.AuthorizedHttp(self._credentials, http=http)
        return build(
            "people",
            "v1",
            http=authorized,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": self.endpoint},
        )

    def _execute(self, make: Callable[[Any], Any]) -> Any:
        """On the client's thread: build the service once, then run one request."""
        if self._service is None:
            self._service = self._build()
        if not self._credentials.valid:
            # Refreshed here rather than inside the request, so that a token endpoint
            # that cannot be reached is told apart from an API that cannot be.
            try:
                self._credentials.refresh(google_auth_httplib2.Request(self._http))
            except (OSError, httplib2.HttpLib2Error, http.client.HTTPException) as exc:
                raise _TokenEndpointUnreachable(exc) from exc
        return make(self._service).execute(num_retries=0)

    def _classify(self, exc: BaseException, sync_token_sent: bool) -> _Failure:
        if isinstance(exc, _ReplyTooLarge):
            return _Failure(self._bad_reply(str(exc)), retryable=False)
        if isinstance(exc, HttpError):
            return _http_failure(exc, self.endpoint, sync_token_sent)
        if isinstance(exc, auth_exceptions.RefreshError):
            return _refresh_failure(exc, self._token_uri, self._is_user)
        if isinstance(exc, _TokenEndpointUnreachable):
            return _network_failure(exc.cause, f"Google's token endpoint {self._token_uri}")
        if isinstance(exc, auth_exceptions.TransportError):
            return _network_failure(exc, f"Google's token endpoint {self._token_uri}")
        if isinstance(exc, OSError | httplib2.HttpLib2Error | http.client.HTTPException):
            return _network_failure(exc, f"the People API at {self.endpoint}")
        # Before ValueError: google-auth's MalformedError and InvalidValue are ValueErrors.
        if isinstance(exc, auth_exceptions.GoogleAuthError):
            return _Failure(
                PeopleApiError(
                    f"Google sign-in failed ({_one_line(str(exc))}) — check "
                    "LINDA_GOOGLE_CREDENTIALS / LINDA_GOOGLE_TOKEN",
                    Problem.REJECTED,
                ),
                retryable=False,
            )
        if isinstance(exc, ValueError | UnicodeDecodeError):  # a 2xx body that is not JSON
            return _Failure(
                self._bad_reply("not JSON"), retryable=True, cause="a reply that is not JSON"
            )
        if isinstance(exc, Exception):
            # Anything else came from a reply nobody foresaw (JSON nested past Python's
            # recursion limit, an error whose fields have the wrong types, which the
            # client library trips over): a bad reply, said in one line, not retried.
            log.warning("unexpected failure on a People API reply", exc_info=exc)
            return _Failure(
                self._bad_reply(f"{type(exc).__name__}: {_one_line(str(exc))[:120]}"),
                retryable=False,
            )
        raise exc

    async def _call(
        self,
        what: str,
        make: Callable[[Any], Any],
        *,
        sync_token_sent: bool = False,
        write: bool = False,
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        backoff = self.retry.backoff(self._rng)
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = await loop.run_in_executor(self._executor, self._execute, make)
            except Exception as exc:  # noqa: BLE001 - classified, or raised again
                failure = self._classify(exc, sync_token_sent)
            else:
                if not isinstance(reply, dict):
                    failure = _Failure(self._bad_reply("not a JSON object"), retryable=True)
                else:
                    return reply
            answered = failure.error.status is not None
            retryable = failure.retryable and (answered or not write)
            if not retryable or attempt >= self.retry.attempts:
                raise failure.error
            delay = backoff.next_delay()
            if failure.retry_after is not None:
                if failure.retry_after > self.retry.max_retry_after:
                    raise PeopleApiError(
                        f"{failure.error.message} (Google asks to wait "
                        f"{failure.retry_after:.0f} s)",
                        failure.error.problem,
                        failure.error.status,
                    )
                delay = max(delay, failure.retry_after)
            notice = RetryNotice(what, attempt, delay, failure.cause or failure.error.message)
            log.warning(
                "People API: %s failed, retry %d in %.1f s: %s", what, attempt, delay, notice.reason
            )
            if self.on_retry is not None:
                self.on_retry(notice)
            await self._sleep(delay)
