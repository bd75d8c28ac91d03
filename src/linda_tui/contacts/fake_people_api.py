"""A fake Google People API and OAuth 2.0 token endpoint: real HTTP on 127.0.0.1.

What Linda's People API client meets on Google's servers, reproduced closely enough
to test the whole path offline (the real google-api-python-client and google-auth
talk to it) and to let ``--demo`` sync a realistic address book:

- ``GET /v1/people/me/connections`` (people.connections.list): ``pageSize`` (1-1000,
  100 when absent), ``pageToken``, ``personFields`` (required; only those fields come
  back), ``sortOrder``, ``requestSyncToken`` / ``syncToken``. A page token belongs to
  one listing: every page request must repeat the listing's ``personFields``,
  ``sortOrder`` and ``requestSyncToken`` / ``syncToken`` (only ``pageSize`` and
  ``pageToken`` may change), else 400 INVALID_ARGUMENT. A listing is a snapshot taken
  at its first page; its last page carries ``nextSyncToken`` when one was asked for.
  With ``syncToken`` the listing holds the people changed since that token, deleted
  ones as ``{"resourceName", "etag", "metadata": {"deleted": true}}``.
- Expired sync tokens (7 days old by the fake's clock, or expired on demand) answer in
  one of the three ways seen in the wild: 400 FAILED_PRECONDITION with reason
  EXPIRED_SYNC_TOKEN (Google's documented reply), 400 INVALID_ARGUMENT naming the sync
  token, or 410 (``expired_token_reply``).
- ``GET /v1/contactGroups`` (labels), ``POST /v1/people:batchCreateContacts`` (1-200
  contacts, ``readMask`` required) and ``POST /v1/people:createContact``, with an
  optional write quota answered by 429 RESOURCE_EXHAUSTED and Retry-After.
- ``POST /token``: service-account JWT assertions (grant type
  ``urn:ietf:params:oauth:grant-type:jwt-bearer``; the signature is checked with the
  key's public key, the audience must be Google's token URL as google-auth always
  writes it, the subject must be one the account may act for), refresh tokens and
  authorization codes (with PKCE). Unknown, revoked or deleted credentials are
  refused as Google refuses them (400 invalid_grant, 401 unauthorized_client /
  invalid_client).
- ``GET /o/oauth2/auth``: consent granted (or denied) at once, redirecting to the
  client's loopback address with ``code`` and ``state``, as Google's page does.
- Every API call needs ``Authorization: Bearer <access token>`` issued here and not
  expired by the fake's clock; the API can be switched off (403 SERVICE_DISABLED).
- Faults on demand: a status (429 with Retry-After, 500, 503, ...), a connection
  reset, a malformed body or a slow reply, for the next N matching requests.

Run on its own (the benchmark does): ``python -m linda_tui.contacts.fake_people_api
--people 50000 --key-file key.json``; it prints one JSON line with its URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import secrets
import socket
import struct
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Person = dict[str, Any]

CONTACTS_SCOPE = "https://www.googleapis.com/auth/contacts"
CONTACTS_READONLY_SCOPE = "https://www.googleapis.com/auth/contacts.readonly"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth writes Google's token URL as the JWT audience whatever token_uri the key
# names; Google accepts these two.
GOOGLE_TOKEN_AUDIENCES = (
    "https://oauth2.googleapis.com/token",
    "https://accounts.google.com/o/oauth2/token",
)
SYNC_TOKEN_LIFETIME = timedelta(days=7)
ACCESS_TOKEN_LIFETIME = 3600
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_BATCH_CREATE = 200
# Listings whose page tokens stay valid: older ones are forgotten (and their tokens
# refused), so a long-running fake does not keep every snapshot it ever made.
MAX_LISTINGS = 8
MAX_BODY_BYTES = 16 * 1024 * 1024

PERSON_FIELDS = frozenset(
    {
        "addresses",
        "ageRanges",
        "biographies",
        "birthdays",
        "calendarUrls",
        "clientData",
        "coverPhotos",
        "emailAddresses",
        "events",
        "externalIds",
        "genders",
        "imClients",
        "interests",
        "locales",
        "locations",
        "memberships",
        "metadata",
        "miscKeywords",
        "names",
        "nicknames",
        "occupations",
        "organizations",
        "phoneNumbers",
        "photos",
        "relations",
        "sipAddresses",
        "skills",
        "urls",
        "userDefined",
    }
)
SORT_ORDERS = (
    "LAST_MODIFIED_ASCENDING",
    "LAST_MODIFIED_DESCENDING",
    "FIRST_NAME_ASCENDING",
    "LAST_NAME_ASCENDING",
)
EXPIRED_TOKEN_REPLIES = ("failed_precondition", "invalid_argument", "gone")

# Endpoint names used by inject() and the request log.
CONNECTIONS_LIST = "connections.list"
CONTACT_GROUPS_LIST = "contactGroups.list"
BATCH_CREATE = "people.batchCreateContacts"
CREATE_CONTACT = "people.createContact"
TOKEN = "token"
AUTHORIZE = "authorize"
ANY = "*"


# --- errors in Google's shapes -------------------------------------------------------------


class _Reply(Exception):
    """An HTTP reply to send instead of carrying on (an error, usually)."""

    def __init__(
        self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_STATUS_MESSAGES = {
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
    "minute per user' of service 'people.googleapis.com'.",
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "The request timed out.",
}


def api_error(
    code: int,
    message: str,
    status: str | None = None,
    reason: str | None = None,
    *,
    domain: str = "people.googleapis.com",
    metadata: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    field_violation: tuple[str, str] | None = None,
) -> _Reply:
    """A Google API error reply: {"error": {"code", "message", "status", "details"}}."""
    details: list[dict[str, Any]] = []
    if reason is not None:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": domain,
                "metadata": metadata or {},
            }
        )
    if field_violation is not None:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [
                    {"field": field_violation[0], "description": field_violation[1]}
                ],
            }
        )
    body = {
        "error": {
            "code": code,
            "message": message,
            "status": status or _STATUS_NAMES.get(code, "UNKNOWN"),
            "details": details,
        }
    }
    return _Reply(code, body, headers)


def _invalid(message: str, field_name: str | None = None) -> _Reply:
    violation = (field_name, message) if field_name else None
    return api_error(400, message, "INVALID_ARGUMENT", field_violation=violation)


def _oauth_error(status: int, error: str, description: str) -> _Reply:
    return _Reply(status, {"error": error, "error_description": description})


# --- faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """Something to go wrong with a request instead of answering it.

    kind: "status" (reply with ``status`` in Google's error shape, with Retry-After
    when ``retry_after`` is set), "reset" (close the connection abruptly, no reply),
    "malformed" (200 with a truncated JSON body), "slow" (wait ``delay`` seconds,
    then answer normally), "html" (``status`` with an HTML page, as a proxy says it),
    "body" (``status`` with ``body`` as JSON: a proxy's or a portal's own reply, or one
    with fields of the wrong types).
    """

    kind: str = "status"
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    body: str = ""

    @classmethod
    def http(cls, status: int, retry_after: float | None = None) -> Fault:
        return cls("status", status=status, retry_after=retry_after)

    @classmethod
    def reset(cls) -> Fault:
        return cls("reset")

    @classmethod
    def malformed(cls) -> Fault:
        return cls("malformed")

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls("slow", delay=delay)

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        return cls("html", status=status)

    @classmethod
    def reply(cls, body: str, status: int = 200) -> Fault:
        return cls("body", status=status, body=body)


@dataclass
class _Injection:
    endpoint: str
    fault: Fault
    skip: int
    remaining: int | None  # None: every matching request from now on


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received (for tests to check what the client sent)."""

    endpoint: str
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any = None
    at: float = 0.0

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None


# --- records -----------------------------------------------------------------------------------


@dataclass
class _Record:
    person: Person  # without resourceName, etag and metadata: added when served
    version: int
    updated: datetime
    deleted: bool = False
    source_id: str = ""


@dataclass
class _Listing:
    """A paginated listing, fixed at its first page (Google pages a consistent view)."""

    fingerprint: tuple[Any, ...]
    items: list[Person]
    next_sync_token: str | None
    total: int
    pages_served: int = 0


@dataclass
class _ServiceAccount:
    email: str
    client_id: str
    subjects: frozenset[str]  # users it may act for (domain-wide delegation)
    public_keys: dict[str, str]  # key id -> PEM public key
    project_number: str


@dataclass
class _OAuthClient:
    client_id: str
    client_secret: str


@dataclass
class _Grant:
    client_id: str
    scopes: tuple[str, ...]
    user: str
    revoked: bool = False


@dataclass
class _AuthCode:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    challenge_method: str | None
    user: str


@dataclass
class _AccessToken:
    scopes: frozenset[str]
    expires: datetime
    principal: str
    revoked: bool = False


@dataclass
class _FakeState:
    records: dict[str, _Record] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int = 0
    sync_tokens: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    listings: dict[str, _Listing] = field(default_factory=dict)
    listing_order: deque[_Listing] = field(default_factory=deque)
    service_accounts: dict[str, _ServiceAccount] = field(default_factory=dict)
    clients: dict[str, _OAuthClient] = field(default_factory=dict)
    refresh_tokens: dict[str, _Grant] = field(default_factory=dict)
    codes: dict[str, _AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, _AccessToken] = field(default_factory=dict)
    injections: list[_Injection] = field(default_factory=list)
    writes: deque[float] = field(default_factory=deque)


def _etag(resource_name: str, version: int) -> str:
    digest = hashlib.sha1(f"{resource_name}/{version}".encode()).digest()[:18]
    return "%" + base64.b64encode(digest).decode()


def _time_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field_mask(raw: str | None, name: str) -> frozenset[str]:
    if not raw or not raw.strip():
        raise _invalid(
            f"{name} mask is required. Please specify one or more valid paths. Valid paths "
            "are documented at https://developers.google.com/people/api/rest/v1/people.connections/list.",
            name,
        )
    fields = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(fields - PERSON_FIELDS)
    if unknown:
        raise _invalid(f'Invalid {name} mask path: "{unknown[0]}".', name)
    return fields


def _bool_param(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise _invalid(f"Invalid value at '{name}' (TYPE_BOOL), \"{raw}\"", name)


def _int_param(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise _invalid(f"Invalid value at '{name}' (TYPE_INT32), \"{raw}\"", name) from None


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# --- the server ----------------------------------------------------------------------------------


class FakePeopleApi:
    """The fake People API: ``start()`` it (or use ``with``), point the client at ``url``.

    ``people``: the address book, as the People API returns people (resourceName and
    the fields; etags and metadata are made here). ``clock`` gives the fake's idea of
    now (sync-token and access-token expiry); ``advance()`` moves it on.
    """

    def __init__(
        self,
        people: Iterable[Person] = (),
        *,
        groups: Iterable[dict[str, Any]] = (),
        expired_token_reply: str = "failed_precondition",
        write_quota: tuple[int, float] | None = None,
        path_prefix: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if expired_token_reply not in EXPIRED_TOKEN_REPLIES:
            raise ValueError(f"expired_token_reply must be one of {EXPIRED_TOKEN_REPLIES}")
        self.expired_token_reply = expired_token_reply
        self.write_quota = write_quota
        self.path_prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self.api_enabled = True
        self.consent = "allow"  # what the "user" answers on the consent page
        self.requests: list[RecordedRequest] = []
        self._clock = clock or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._lock = threading.RLock()
        self._state = _FakeState()
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._rng = secrets.SystemRandom()
        self._add_system_groups()
        for group in groups:
            self.add_group(group)
        self.add_people(people)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakePeopleApi:
        """Listen on host:port (0: any free port) in a background thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-people-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakePeopleApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The API's base URL, for LINDA_PEOPLE_API_ENDPOINT."""
        return f"http://{self._host}:{self.port}{self.path_prefix}/"

    @property
    def token_uri(self) -> str:
        return f"http://{self._host}:{self.port}/token"

    @property
    def auth_uri(self) -> str:
        return f"http://{self._host}:{self.port}/o/oauth2/auth"

    # --- time ------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (sync tokens and access tokens age with it)."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    # --- the address book --------------------------------------------------------------------

    def _add_system_groups(self) -> None:
        for name, formatted in (("myContacts", "My Contacts"), ("starred", "Starred")):
            self._state.groups[f"contactGroups/{name}"] = {
                "resourceName": f"contactGroups/{name}",
                "name": name,
                "formattedName": formatted,
                "groupType": "SYSTEM_CONTACT_GROUP",
            }

    def add_group(self, group: dict[str, Any]) -> None:
        with self._lock:
            stored = {"groupType": "USER_CONTACT_GROUP", **group}
            stored.setdefault("formattedName", stored.get("name", ""))
            self._state.groups[stored["resourceName"]] = stored

    def _bump(self) -> int:
        self._state.version += 1
        return self._state.version

    def add_people(self, people: Iterable[Person]) -> list[str]:
        """Add people (each with a unique resourceName, or one is made); their names."""
        names = []
        with self._lock:
            now = self.now()
            for person in people:
                body = {k: v for k, v in person.items() if k not in ("etag", "metadata")}
                name = body.pop("resourceName", None) or self._new_resource_name()
                source = person.get("metadata", {}).get("sources", [{}])[0].get("id")
                self._state.records[name] = _Record(
                    person=body,
                    version=self._bump(),
                    updated=now,
                    source_id=source or f"{self._rng.getrandbits(60):x}",
                )
                names.append(name)
        return names

    def _new_resource_name(self) -> str:
        while True:
            name = f"people/c{self._rng.randrange(10**18, 10**19)}"
            if name not in self._state.records:
                return name

    def update_person(self, resource_name: str, **fields: Any) -> None:
        """Change some fields of a person (a new etag; incremental listings return it)."""
        with self._lock:
            record = self._state.records[resource_name]
            if record.deleted:
                raise KeyError(resource_name)
            record.person.update(fields)
            record.version = self._bump()
            record.updated = self.now()

    def delete_person(self, resource_name: str) -> None:
        """Delete a person, as someone would in Google Contacts."""
        with self._lock:
            record = self._state.records[resource_name]
            record.deleted = True
            record.version = self._bump()
            record.updated = self.now()

    def forget_deletions(self) -> None:
        """Drop what is remembered of deleted people, as Google does after a while: an
        incremental listing no longer reports them, only a full one shows they are gone."""
        with self._lock:
            self._state.records = {
                name: record for name, record in self._state.records.items() if not record.deleted
            }

    def person(self, resource_name: str) -> Person | None:
        """A live person as the API serves it with every field, or None."""
        with self._lock:
            record = self._state.records.get(resource_name)
            if record is None or record.deleted:
                return None
            return self._served(resource_name, record, None)

    @property
    def people(self) -> list[Person]:
        """Every live person, in the order they were last changed."""
        with self._lock:
            live = [(n, r) for n, r in self._state.records.items() if not r.deleted]
            live.sort(key=lambda item: item[1].version)
            return [self._served(n, r, None) for n, r in live]

    def _served(self, name: str, record: _Record, fields: frozenset[str] | None) -> Person:
        etag = _etag(name, record.version)
        person: Person = {"resourceName": name, "etag": etag}
        if record.deleted:
            person["metadata"] = {
                "sources": [{"type": "CONTACT", "id": record.source_id, "etag": etag}],
                "deleted": True,
                "objectType": "PERSON",
            }
            return person
        for key, value in record.person.items():
            if fields is None or key in fields:
                person[key] = value
        if fields is None or "metadata" in fields:
            person["metadata"] = {
                "sources": [
                    {
                        "type": "CONTACT",
                        "id": record.source_id,
                        "etag": "#" + etag[1:9],
                        "updateTime": _time_text(record.updated),
                    }
                ],
                "objectType": "PERSON",
            }
        return person

    # --- sync tokens -------------------------------------------------------------------------

    def _issue_sync_token(self, version: int) -> str:
        token = "EAE" + secrets.token_urlsafe(24)
        self._state.sync_tokens[token] = (version, self.now())
        return token

    def expire_sync_tokens(self) -> None:
        """Every sync token issued so far is expired from now on."""
        with self._lock:
            old = self.now() - SYNC_TOKEN_LIFETIME - timedelta(seconds=1)
            self._state.sync_tokens = {
                token: (version, old) for token, (version, _) in self._state.sync_tokens.items()
            }

    # --- faults ------------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        endpoint: str = CONNECTIONS_LIST,
        *,
        skip: int = 0,
        times: int | None = 1,
    ) -> None:
        """Make the next ``times`` requests to ``endpoint`` (``ANY`` for all) fail with
        ``fault``, after letting ``skip`` of them through; ``times=None``: all of them."""
        with self._lock:
            self._state.injections.append(_Injection(endpoint, fault, skip, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._state.injections.clear()

    def _fault_for(self, endpoint: str) -> Fault | None:
        with self._lock:
            for injection in list(self._state.injections):
                if injection.endpoint not in (endpoint, ANY):
                    continue
                if injection.skip > 0:
                    injection.skip -= 1
                    continue
                if injection.remaining is not None:
                    injection.remaining -= 1
                    if injection.remaining <= 0:
                        self._state.injections.remove(injection)
                return injection.fault
        return None

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    # --- credentials ---------------------------------------------------------------------------

    def service_account_key(
        self,
        email: str = "linda-sync@example-project.iam.gserviceaccount.com",
        subjects: Iterable[str] = ("admin@example.com",),
        *,
        project_id: str = "example-project",
    ) -> dict[str, Any]:
        """A new key for a service account (made on first use) allowed to act for
        ``subjects``: the JSON Google Cloud console hands out, with this token_uri."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        key_id = secrets.token_hex(20)
        with self._lock:
            account = self._state.service_accounts.get(email)
            if account is None:
                account = _ServiceAccount(
                    email=email,
                    client_id=str(self._rng.randrange(10**20, 10**21)),
                    subjects=frozenset(subjects),
                    public_keys={},
                    project_number=str(self._rng.randrange(10**11, 10**12)),
                )
                self._state.service_accounts[email] = account
            else:
                account.subjects = frozenset(subjects)
            account.public_keys[key_id] = public_pem
        return {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": key_id,
            "private_key": private_pem,
            "client_email": email,
            "client_id": account.client_id,
            "auth_uri": self.auth_uri,
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + urllib.parse.quote(email),
            "universe_domain": "googleapis.com",
        }

    def delete_service_account_key(self, key_id: str) -> None:
        """The key is deleted in Google Cloud: assertions signed with it are refused."""
        with self._lock:
            for account in self._state.service_accounts.values():
                account.public_keys.pop(key_id, None)

    def oauth_client(self) -> dict[str, Any]:
        """A new OAuth client of type "Desktop app": the JSON Google Cloud console hands out."""
        client_id = (
            f"{self._rng.randrange(10**11, 10**12)}-{secrets.token_hex(16)}.apps.example.com"
        )
        secret = "GOCSPX-" + secrets.token_urlsafe(21)
        with self._lock:
            self._state.clients[client_id] = _OAuthClient(client_id, secret)
        return {
            "installed": {
                "client_id": client_id,
                "project_id": "example-project",
                "auth_uri": self.auth_uri,
                "token_uri": self.token_uri,
                "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
                "client_secret": secret,
                "redirect_uris": ["http://localhost"],
            }
        }

    def delete_oauth_client(self, client_id: str) -> None:
        with self._lock:
            self._state.clients.pop(client_id, None)

    def issue_refresh_token(
        self, client_id: str, scopes: Iterable[str] = (CONTACTS_SCOPE,), user: str = "me"
    ) -> str:
        """A refresh token for client_id, as a past sign-in would have granted it."""
        token = "1//0" + secrets.token_urlsafe(40)
        with self._lock:
            self._state.refresh_tokens[token] = _Grant(client_id, tuple(scopes), user)
        return token

    def revoke(self, token: str) -> None:
        """Revoke a refresh token (and the access tokens it gave) or an access token."""
        with self._lock:
            grant = self._state.refresh_tokens.get(token)
            if grant is not None:
                grant.revoked = True
                for access in self._state.access_tokens.values():
                    if access.principal == f"refresh:{token}":
                        access.revoked = True
            access_token = self._state.access_tokens.get(token)
            if access_token is not None:
                access_token.revoked = True

    def revoke_access_tokens(self) -> None:
        """Every access token handed out so far stops working (a refresh gets a new one)."""
        with self._lock:
            for access in self._state.access_tokens.values():
                access.revoked = True

    # --- handling -----------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes] | Fault:
        """Answer one request: (status, headers, body), or a Fault to act out."""
        url = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        path = url.path
        endpoint = self._endpoint(method, path)
        parsed_body: Any = None
        if body:
            content_type = headers.get("Content-Type", "")
            try:
                if "json" in content_type:
                    parsed_body = json.loads(body)
                else:
                    parsed_body = urllib.parse.parse_qs(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                parsed_body = None
        with self._lock:
            self.requests.append(
                RecordedRequest(endpoint, method, path, query, parsed_body, time.monotonic())
            )
        fault = self._fault_for(endpoint)
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "status":
                extra = {}
                if fault.retry_after is not None:
                    extra["Retry-After"] = str(math.ceil(fault.retry_after))
                reply = api_error(
                    fault.status,
                    _STATUS_MESSAGES.get(fault.status, HTTPStatus(fault.status).phrase),
                    reason="RATE_LIMIT_EXCEEDED" if fault.status == 429 else None,
                    domain="googleapis.com",
                    headers=extra,
                )
                return self._encode(reply.status, reply.body, reply.headers)
            elif fault.kind == "body":
                content = {"Content-Type": "application/json; charset=UTF-8"}
                return fault.status, content, fault.body.encode()
            elif fault.kind == "html":
                page = f"<html><body><h1>{fault.status} {HTTPStatus(fault.status).phrase}</h1></body></html>"
                return fault.status, {"Content-Type": "text/html"}, page.encode()
            else:
                return fault
        try:
            status, reply_body, reply_headers = self._route(
                endpoint, method, query, parsed_body, body, headers
            )
        except _Reply as reply:
            return self._encode(reply.status, reply.body, reply.headers)
        return self._encode(status, reply_body, reply_headers)

    @staticmethod
    def _encode(
        status: int, body: dict[str, Any] | bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if isinstance(body, bytes):
            return status, headers, body
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return status, {"Content-Type": "application/json; charset=UTF-8", **headers}, data

    def _endpoint(self, method: str, path: str) -> str:
        if path == "/token" and method == "POST":
            return TOKEN
        if path == "/o/oauth2/auth" and method == "GET":
            return AUTHORIZE
        if self.path_prefix:
            if not path.startswith(self.path_prefix + "/"):
                return "unknown"
            path = path[len(self.path_prefix) :]
        if method == "GET" and path.startswith("/v1/people/") and path.endswith("/connections"):
            return CONNECTIONS_LIST
        if method == "GET" and path == "/v1/contactGroups":
            return CONTACT_GROUPS_LIST
        if method == "POST" and path == "/v1/people:batchCreateContacts":
            return BATCH_CREATE
        if method == "POST" and path == "/v1/people:createContact":
            return CREATE_CONTACT
        return "unknown"

    def _route(
        self,
        endpoint: str,
        method: str,
        query: dict[str, list[str]],
        body: Any,
        raw_body: bytes,
        headers: Any,
    ) -> tuple[int, dict[str, Any] | bytes, dict[str, str]]:
        if endpoint == TOKEN:
            return self._token(body if isinstance(body, dict) else {})
        if endpoint == AUTHORIZE:
            return self._authorize(query)
        if endpoint == "unknown":
            raise api_error(404, "Requested entity was not found.", "NOT_FOUND")
        write = endpoint in (BATCH_CREATE, CREATE_CONTACT)
        self._check_bearer(headers.get("Authorization"), write)
        if not self.api_enabled:
            raise api_error(
                403,
                "People API has not been used in project 123456789012 before or it is "
                "disabled. Enable it by visiting https://console.developers.google.com/apis/"
                "api/people.googleapis.com/overview?project=123456789012 then retry.",
                "PERMISSION_DENIED",
                "SERVICE_DISABLED",
                domain="googleapis.com",
                metadata={
                    "service": "people.googleapis.com",
                    "consumer": "projects/123456789012",
                    "activationUrl": "https://console.developers.google.com/apis/api/"
                    "people.googleapis.com/overview?project=123456789012",
                },
            )
        param = {key: values[0] for key, values in query.items() if values}
        if endpoint == CONNECTIONS_LIST:
            return 200, self._connections(param), {}
        if endpoint == CONTACT_GROUPS_LIST:
            return 200, self._contact_groups(param), {}
        self._check_write_quota()
        if not isinstance(body, dict):
            raise _invalid("Invalid JSON payload received.")
        if endpoint == BATCH_CREATE:
            return 200, self._batch_create(body), {}
        return 200, self._create_one(param, body), {}

    # --- API: auth and quota -----------------------------------------------------------------

    def _check_bearer(self, header: str | None, write: bool) -> None:
        if not header or not header.startswith("Bearer "):
            raise api_error(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
                "CREDENTIALS_MISSING",
                domain="googleapis.com",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
        token = header.removeprefix("Bearer ").strip()
        with self._lock:
            access = self._state.access_tokens.get(token)
            valid = access is not None and not access.revoked and access.expires > self.now()
        if not valid or access is None:
            raise api_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
                "ACCESS_TOKEN_EXPIRED" if access is not None else "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                domain="googleapis.com",
                headers={
                    "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                    'error="invalid_token"'
                },
            )
        allowed = {CONTACTS_SCOPE} if write else {CONTACTS_SCOPE, CONTACTS_READONLY_SCOPE}
        if not access.scopes & allowed:
            raise api_error(
                403,
                "Request had insufficient authentication scopes.",
                "PERMISSION_DENIED",
                "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                domain="googleapis.com",
            )

    def _check_write_quota(self) -> None:
        if self.write_quota is None:
            return
        limit, window = self.write_quota
        now = time.monotonic()
        with self._lock:
            writes = self._state.writes
            while writes and writes[0] <= now - window:
                writes.popleft()
            if len(writes) >= limit:
                wait = max(1, math.ceil(writes[0] + window - now))
                raise api_error(
                    429,
                    "Quota exceeded for quota metric 'Critical write requests' and limit "
                    "'Critical write requests per minute per user' of service "
                    "'people.googleapis.com'.",
                    "RESOURCE_EXHAUSTED",
                    "RATE_LIMIT_EXCEEDED",
                    domain="googleapis.com",
                    headers={"Retry-After": str(wait)},
                )
            writes.append(now)

    # --- API: listing ------------------------------------------------------------------------

    def _connections(self, param: dict[str, str]) -> dict[str, Any]:
        fields = _field_mask(param.get("personFields"), "personFields")
        page_size = _int_param(param.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE)
        if page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise _invalid("pageSize must be between 1 and 1000, inclusive.", "page_size")
        page_size = page_size or DEFAULT_PAGE_SIZE
        request_sync_token = _bool_param(param.get("requestSyncToken"), "requestSyncToken")
        sync_token = param.get("syncToken") or None
        sort_order = param.get("sortOrder") or "LAST_MODIFIED_ASCENDING"
        if sort_order not in SORT_ORDERS:
            raise _invalid(f"Invalid value at 'sort_order', \"{sort_order}\"", "sort_order")
        fingerprint = (
            tuple(sorted(fields)),
            request_sync_token,
            sync_token,
            sort_order,
            param.get("sources"),
        )
        page_token = param.get("pageToken") or None
        with self._lock:
            if page_token is not None:
                listing = self._state.listings.get(page_token)
                if listing is None:
                    raise _invalid("Page token is not valid.", "page_token")
                if listing.fingerprint != fingerprint:
                    raise _invalid(
                        "Parameters provided with a page token must match the call that "
                        "provided the page token.",
                        "page_token",
                    )
                offset = int(page_token.rsplit(".", 1)[1])
            else:
                listing = self._new_listing(fields, fingerprint, sync_token, request_sync_token)
                offset = 0
            items = listing.items[offset : offset + page_size]
            reply: dict[str, Any] = {}
            if items:
                reply["connections"] = items
            end = offset + page_size
            if end < len(listing.items):
                token = f"{secrets.token_urlsafe(12)}.{end}"
                self._state.listings[token] = listing
                reply["nextPageToken"] = token
            elif listing.next_sync_token is not None:
                reply["nextSyncToken"] = listing.next_sync_token
            if sync_token is None:
                reply["totalPeople"] = listing.total
                reply["totalItems"] = listing.total
            return reply

    def _new_listing(
        self,
        fields: frozenset[str],
        fingerprint: tuple[Any, ...],
        sync_token: str | None,
        request_sync_token: bool,
    ) -> _Listing:
        records = self._state.records
        if sync_token is None:
            chosen = [(n, r) for n, r in records.items() if not r.deleted]
        else:
            since = self._sync_token_version(sync_token)
            chosen = [(n, r) for n, r in records.items() if r.version > since]
        sort_order = fingerprint[3]
        if sort_order == "LAST_MODIFIED_DESCENDING":
            chosen.sort(key=lambda item: -item[1].version)
        elif sort_order in ("FIRST_NAME_ASCENDING", "LAST_NAME_ASCENDING"):
            part = "givenName" if sort_order == "FIRST_NAME_ASCENDING" else "familyName"
            chosen.sort(
                key=lambda item: str((item[1].person.get("names") or [{}])[0].get(part, ""))
            )
        else:
            chosen.sort(key=lambda item: item[1].version)
        items = [self._served(name, record, fields) for name, record in chosen]
        token = self._issue_sync_token(self._state.version) if request_sync_token else None
        listing = _Listing(fingerprint, items, token, len(items))
        order = self._state.listing_order
        order.append(listing)
        if len(order) > MAX_LISTINGS:
            old = order.popleft()
            self._state.listings = {
                key: value for key, value in self._state.listings.items() if value is not old
            }
        return listing

    def _sync_token_version(self, token: str) -> int:
        entry = self._state.sync_tokens.get(token)
        if entry is None:
            raise api_error(
                400,
                "Sync token is invalid. Clear local cache and retry call without the sync token.",
                "INVALID_ARGUMENT",
                field_violation=("sync_token", "Sync token is invalid."),
            )
        version, issued = entry
        if self.now() - issued <= SYNC_TOKEN_LIFETIME:
            return version
        if self.expired_token_reply == "failed_precondition":
            raise api_error(
                400,
                "Sync token is expired. Clear local cache and retry call without the sync token.",
                "FAILED_PRECONDITION",
                "EXPIRED_SYNC_TOKEN",
            )
        if self.expired_token_reply == "invalid_argument":
            raise api_error(
                400,
                "Request contains an invalid argument: the sync token has expired.",
                "INVALID_ARGUMENT",
                field_violation=("sync_token", "The sync token has expired."),
            )
        # The older APIs' shape, which some proxies still answer with.
        raise _Reply(
            410,
            {
                "error": {
                    "errors": [
                        {
                            "domain": "global",
                            "reason": "fullSyncRequired",
                            "message": "Sync token is no longer valid, a full sync is required.",
                        }
                    ],
                    "code": 410,
                    "message": "Sync token is no longer valid, a full sync is required.",
                }
            },
        )

    def _contact_groups(self, param: dict[str, str]) -> dict[str, Any]:
        page_size = _int_param(param.get("pageSize"), "pageSize", 30)
        if page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise _invalid("pageSize must be between 1 and 1000, inclusive.", "page_size")
        page_size = page_size or 30
        offset = _int_param(param.get("pageToken"), "pageToken", 0)
        with self._lock:
            groups = sorted(self._state.groups.values(), key=lambda g: g["resourceName"])
            page = groups[offset : offset + page_size]
            reply: dict[str, Any] = {
                "contactGroups": [{**g, "etag": _etag(g["resourceName"], 1)} for g in page],
                "totalItems": len(groups),
            }
            if offset + page_size < len(groups):
                reply["nextPageToken"] = str(offset + page_size)
            else:
                reply["nextSyncToken"] = self._issue_sync_token(self._state.version)
            return reply

    # --- API: writes ------------------------------------------------------------------------

    def _new_person(self, person: Any) -> Person:
        if not isinstance(person, dict):
            raise _invalid("Invalid value: a contact person must be an object.", "contacts")
        for forbidden in ("resourceName", "etag", "metadata"):
            if forbidden in person:
                raise _invalid(f"Resource name and etag must not be set: {forbidden}.", forbidden)
        unknown = sorted(set(person) - PERSON_FIELDS)
        if unknown:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}".')
        for phone in person.get("phoneNumbers", []):
            if not isinstance(phone, dict) or not str(phone.get("value", "")).strip():
                raise _invalid("Phone number value must not be empty.", "phone_numbers")
        stored = dict(person)
        memberships = list(stored.get("memberships", []))
        memberships.insert(
            0, {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}}
        )
        stored["memberships"] = memberships
        return stored

    def _batch_create(self, body: dict[str, Any]) -> dict[str, Any]:
        mask = _field_mask(body.get("readMask"), "readMask")
        contacts = body.get("contacts")
        if not isinstance(contacts, list) or not contacts:
            raise _invalid("At least one contact must be specified.", "contacts")
        if len(contacts) > MAX_BATCH_CREATE:
            raise _invalid(
                f"Too many contacts in the request: at most {MAX_BATCH_CREATE} may be "
                "created in one call.",
                "contacts",
            )
        people = [self._new_person((c or {}).get("contactPerson")) for c in contacts]
        created = []
        with self._lock:
            for person in people:
                name = self.add_people([person])[0]
                record = self._state.records[name]
                created.append(
                    {
                        "person": self._served(name, record, mask),
                        "httpStatusCode": 200,
                        "status": {},
                    }
                )
        return {"createdPeople": created}

    def _create_one(self, param: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        mask = _field_mask(param.get("personFields"), "personFields")
        person = self._new_person(body)
        with self._lock:
            name = self.add_people([person])[0]
            return self._served(name, self._state.records[name], mask)

    # --- OAuth ---------------------------------------------------------------------------------

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any], dict[str, str]]:
        value = {key: values[0] for key, values in form.items() if values}
        grant = value.get("grant_type")
        if grant == JWT_BEARER_GRANT:
            scopes, principal = self._jwt_grant(value.get("assertion", ""))
            return 200, self._access_token(scopes, principal), {}
        if grant == "refresh_token":
            client = self._client(value)
            token = value.get("refresh_token", "")
            with self._lock:
                stored = self._state.refresh_tokens.get(token)
            if stored is None or stored.revoked or stored.client_id != client.client_id:
                raise _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            scopes = tuple(stored.scopes)
            asked = value.get("scope")
            if asked:
                wanted = tuple(asked.split())
                if not set(wanted) <= set(scopes):
                    raise _oauth_error(400, "invalid_scope", "Some requested scopes were invalid.")
                scopes = wanted
            reply = self._access_token(scopes, f"refresh:{token}")
            reply["scope"] = " ".join(scopes)
            return 200, reply, {}
        if grant == "authorization_code":
            client = self._client(value)
            with self._lock:
                code = self._state.codes.pop(value.get("code", ""), None)
            if code is None or code.client_id != client.client_id:
                raise _oauth_error(400, "invalid_grant", "Malformed auth code.")
            if value.get("redirect_uri") != code.redirect_uri:
                raise _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            if code.challenge is not None:
                verifier = value.get("code_verifier", "")
                if code.challenge_method == "S256":
                    digest = hashlib.sha256(verifier.encode()).digest()
                    made = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                else:
                    made = verifier
                if not verifier or made != code.challenge:
                    raise _oauth_error(400, "invalid_grant", "Invalid code verifier.")
            refresh = self.issue_refresh_token(client.client_id, code.scopes, code.user)
            reply = self._access_token(code.scopes, f"refresh:{refresh}")
            reply.update(refresh_token=refresh, scope=" ".join(code.scopes))
            return 200, reply, {}
        raise _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant))

    def _client(self, value: dict[str, str]) -> _OAuthClient:
        with self._lock:
            client = self._state.clients.get(value.get("client_id", ""))
        if client is None:
            raise _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if value.get("client_secret") != client.client_secret:
            raise _oauth_error(401, "invalid_client", "Unauthorized")
        return client

    def _jwt_grant(self, assertion: str) -> tuple[tuple[str, ...], str]:
        from google.auth import jwt

        try:
            header_part, payload_part, _ = assertion.split(".")
            header = json.loads(_b64url_decode(header_part))
            claims = json.loads(_b64url_decode(payload_part))
        except (ValueError, TypeError):
            raise _oauth_error(400, "invalid_grant", "Invalid JWT: not a JWT.") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise _oauth_error(400, "invalid_grant", "Invalid JWT: not a JWT.")
        if header.get("alg") != "RS256":
            raise _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        with self._lock:
            account = self._state.service_accounts.get(str(claims.get("iss")))
            public = None if account is None else account.public_keys.get(str(header.get("kid")))
        if account is None:
            raise _oauth_error(400, "invalid_grant", "Invalid grant: account not found")
        if public is None:
            raise _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            jwt.decode(assertion, certs=public, audience=list(GOOGLE_TOKEN_AUDIENCES))
        except ValueError as exc:
            text = str(exc)
            if "audience" in text.lower():
                raise _oauth_error(
                    400,
                    "invalid_grant",
                    "Invalid JWT: Failed audience check. The right audience is "
                    + GOOGLE_TOKEN_AUDIENCES[0],
                ) from None
            if "expired" in text.lower() or "too early" in text.lower():
                raise _oauth_error(
                    400,
                    "invalid_grant",
                    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                    "reasonable timeframe. Check your iat and exp values in the JWT claim.",
                ) from None
            raise _oauth_error(400, "invalid_grant", "Invalid JWT Signature.") from None
        scopes = tuple(str(claims.get("scope", "")).split())
        if not scopes:
            raise _oauth_error(
                400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        subject = claims.get("sub")
        if subject is not None and subject not in account.subjects:
            raise _oauth_error(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or "
                "client not authorized for any of the scopes requested.",
            )
        return scopes, f"sa:{account.email}:{subject or ''}"

    def _access_token(self, scopes: Iterable[str], principal: str) -> dict[str, Any]:
        token = "ya29.fake-" + secrets.token_urlsafe(32)
        with self._lock:
            self._state.access_tokens[token] = _AccessToken(
                scopes=frozenset(scopes),
                expires=self.now() + timedelta(seconds=ACCESS_TOKEN_LIFETIME),
                principal=principal,
            )
        return {
            "access_token": token,
            "expires_in": ACCESS_TOKEN_LIFETIME - 1,
            "token_type": "Bearer",
        }

    def _authorize(self, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        value = {key: values[0] for key, values in query.items() if values}
        with self._lock:
            client = self._state.clients.get(value.get("client_id", ""))
        if client is None:
            return (
                401,
                b"<html><body>Error 401: invalid_client</body></html>",
                {"Content-Type": "text/html"},
            )
        redirect = value.get("redirect_uri", "")
        parts = urllib.parse.urlsplit(redirect)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            return (
                400,
                b"<html><body>Error 400: redirect_uri_mismatch</body></html>",
                {"Content-Type": "text/html"},
            )
        if value.get("response_type") != "code":
            return (
                400,
                b"<html><body>Error 400: invalid_request</body></html>",
                {"Content-Type": "text/html"},
            )
        state = value.get("state")
        if self.consent != "allow":
            answer = {"error": "access_denied"}
        else:
            code = "4/0A" + secrets.token_urlsafe(30)
            scopes = tuple(value.get("scope", "").split())
            with self._lock:
                self._state.codes[code] = _AuthCode(
                    client.client_id,
                    redirect,
                    scopes,
                    value.get("code_challenge"),
                    value.get("code_challenge_method"),
                    "me",
                )
            answer = {"code": code, "scope": " ".join(scopes)}
        if state is not None:
            answer = {"state": state, **answer}
        separator = "&" if parts.query else "?"
        location = redirect + separator + urllib.parse.urlencode(answer)
        return 302, b"", {"Location": location}


class _Handler(BaseHTTPRequestHandler):
    """One connection to the fake (HTTP/1.1, keep-alive, as httplib2 expects)."""

    fake: FakePeopleApi
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: tests and the demo run it in-process

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(413, {"Content-Type": "text/plain"}, b"Request Entity Too Large")
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        answer = self.fake.handle(self.command, self.path, self.headers, body)
        if isinstance(answer, Fault):
            if answer.kind == "reset":
                # SO_LINGER 0: close() sends RST, the client sees a reset connection.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            # malformed: a 200 whose JSON stops halfway.
            data = b'{"connections": [{"resourceName": "people/c1", "names": [{"displa'
            self._send(200, {"Content-Type": "application/json; charset=UTF-8"}, data)
            return
        status, headers, data = answer
        self._send(status, headers, data)

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client went away

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve


def main(argv: list[str] | None = None) -> int:
    """Run the fake in the foreground: prints {"url", "token_uri", "people"} on one line."""
    import argparse
    import os
    import signal

    from linda_tui.contacts.people_generator import generate_address_book

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key-file", help="write a service-account key for it here (0600)")
    parser.add_argument("--subject", default="admin@example.com")
    args = parser.parse_args(argv)
    book = generate_address_book(args.people, args.seed)
    fake = FakePeopleApi(book.people, groups=book.groups, port=args.port).start()
    if args.key_file:
        key = fake.service_account_key(subjects=[args.subject])
        fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(key, handle)
    print(
        json.dumps({"url": fake.url, "token_uri": fake.token_uri, "people": args.people}),
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
