"""Signing a consumer Google account in, over SSH: what `linda google login` does.

The operator's browser is on another machine than Linda, so the usual installed-app
flow (a browser opened here, a server on localhost catching the redirect) cannot work.
Instead:

1. ``start_login(client_file)`` reads the OAuth client JSON (a "Desktop app" client,
   ``installed``) and builds the consent URL: the contacts scope, offline access (a
   refresh token), PKCE (S256), a random ``state``, and a loopback redirect
   ``http://localhost:PORT/`` on a random high port.
2. The operator opens the URL anywhere and consents. The browser is then sent to
   ``http://localhost:PORT/?state=...&code=...``, which fails to load there (nothing
   listens): the operator copies that whole address, or just the code, and pastes it.
3. ``GoogleLogin.finish(pasted, token_file)`` checks the state, exchanges the code at
   the client's ``token_uri`` (with the PKCE verifier, so an intercepted code is
   useless), and writes the token file 0600, atomically, only where nothing or a
   regular file (an older token) is: never over a FIFO, a device, a folder or a link.
   LINDA_GOOGLE_TOKEN then points at it.

Every failure is a PeopleApiError with one line saying what to do.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from linda_tui.contacts.credential_files import read_json_file
from linda_tui.contacts.errors import PeopleApiError, Problem
from linda_tui.private_files import UnsafePathError, check_replaceable, write_private_atomic

CONTACTS_SCOPE = "https://www.googleapis.com/auth/contacts"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
MAX_REPLY_BYTES = 1024 * 1024
TOKEN_ELSEWHERE = "choose another token path (--token or LINDA_GOOGLE_TOKEN)"
_CLIENT_FIX = (
    "in Google Cloud console create an OAuth client of type Desktop app, download its "
    "JSON and point LINDA_GOOGLE_CREDENTIALS at it"
)


class TokenWritten(NamedTuple):
    """Where ``GoogleLogin.finish`` wrote the token, and whether it replaced a file."""

    path: Path
    replaced: bool


@dataclass(frozen=True)
class OAuthClient:
    """An installed-app OAuth client, as its JSON file describes it."""

    client_id: str
    client_secret: str
    auth_uri: str
    token_uri: str


def read_oauth_client(path: Path) -> OAuthClient:
    """The OAuth client in an installed-app client JSON file (one-line error if not)."""
    data = read_json_file(path, "LINDA_GOOGLE_CREDENTIALS", _CLIENT_FIX)
    shown = f"LINDA_GOOGLE_CREDENTIALS {path}"
    if data.get("type") == "service_account":
        raise PeopleApiError(
            f"{shown} is a service-account key: it needs no sign-in (set "
            "LINDA_GOOGLE_SUBJECT and sync) — `linda google login` is for Gmail accounts",
            Problem.CREDENTIALS,
        )
    if "web" in data and "installed" not in data:
        raise PeopleApiError(
            f"{shown} is a web application client, whose redirect addresses are fixed — "
            + _CLIENT_FIX,
            Problem.CREDENTIALS,
        )
    section = data.get("installed")
    if not isinstance(section, dict):
        raise PeopleApiError(
            f"{shown} is not an OAuth client file — {_CLIENT_FIX}", Problem.CREDENTIALS
        )
    values = {}
    for key in ("client_id", "client_secret"):
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PeopleApiError(
                f"{shown}: the {key!r} field is missing — download the client JSON again",
                Problem.CREDENTIALS,
            )
        values[key] = value.strip()
    uris = {}
    for key, default in (("auth_uri", GOOGLE_AUTH_URI), ("token_uri", GOOGLE_TOKEN_URI)):
        value = section.get(key) or default
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise PeopleApiError(
                f"{shown}: {key} is not an http(s) URL — download the client JSON again",
                Problem.CREDENTIALS,
            )
        uris[key] = value
    return OAuthClient(**values, **uris)


def _code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class GoogleLogin:
    """One sign-in in progress: show ``url``, then ``finish()`` with what was pasted."""

    def __init__(self, client: OAuthClient, *, port: int | None = None) -> None:
        self.client = client
        self.state = secrets.token_urlsafe(24)
        self._verifier = secrets.token_urlsafe(64)  # 86 characters: within PKCE's 43-128
        self.redirect_uri = f"http://localhost:{port or secrets.choice(range(49152, 65536))}/"
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": CONTACTS_SCOPE,
                "state": self.state,
                "code_challenge": _code_challenge(self._verifier),
                "code_challenge_method": "S256",
                "access_type": "offline",  # a refresh token, so Linda keeps access
                "prompt": "consent",  # ...even when this account consented before
            }
        )
        separator = "&" if "?" in client.auth_uri else "?"
        self.url = f"{client.auth_uri}{separator}{query}"

    def code_from(self, pasted: str) -> str:
        """The authorization code in what the operator pasted: the code itself, or the
        whole address the browser was sent to (whose state must be this sign-in's)."""
        text = pasted.strip().strip("'\"<>").strip()
        if not text:
            raise PeopleApiError(
                "nothing was pasted — paste the address your browser shows after you allow "
                "access (it starts with http://localhost), or just the code in it",
                Problem.CREDENTIALS,
            )
        if "=" in text or text.lower().startswith(("http://", "https://", "localhost")):
            try:
                query = (
                    urllib.parse.urlsplit(text).query if "://" in text else text.partition("?")[2]
                )
            except ValueError:  # "http://[::1/?code=x": a bracket left open
                query = text.partition("?")[2]
            params = urllib.parse.parse_qs(query or text)
            if "error" in params:
                error = params["error"][0]
                if error == "access_denied":
                    raise PeopleApiError(
                        "access was not allowed in the browser — run `linda google login` "
                        "again and choose Allow",
                        Problem.REJECTED,
                    )
                raise PeopleApiError(
                    f"Google refused the sign-in ({error[:60]}) — run `linda google login` again",
                    Problem.REJECTED,
                )
            state = params.get("state", [None])[0]
            if state is not None and state != self.state:
                raise PeopleApiError(
                    "that address belongs to another sign-in — open the link printed by this "
                    "`linda google login`, then paste the address it leads to",
                    Problem.CREDENTIALS,
                )
            codes = params.get("code")
            if not codes or not codes[0].strip():
                raise PeopleApiError(
                    "the pasted address has no code in it — paste the whole address your "
                    "browser shows after you allow access",
                    Problem.CREDENTIALS,
                )
            return codes[0].strip()
        if any(ch.isspace() for ch in text) or len(text) > 512:
            raise PeopleApiError(
                "that does not look like a code or an address — paste the address your browser "
                "shows after you allow access",
                Problem.CREDENTIALS,
            )
        return urllib.parse.unquote(text)  # a code copied from the address bar: 4%2F0A...

    def exchange(self, code: str, timeout: float = 30.0) -> dict[str, Any]:
        """Trade the code for tokens at the client's token endpoint."""
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client.client_id,
                "client_secret": self.client.client_secret,
                "redirect_uri": self.redirect_uri,
                "code_verifier": self._verifier,
            }
        ).encode()
        request = urllib.request.Request(
            self.client.token_uri,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        where = self.client.token_uri
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                data = response.read(MAX_REPLY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            reply = _json_object(exc.read(MAX_REPLY_BYTES))
            error = str(reply.get("error") or f"HTTP {exc.code}")
            description = " ".join(str(reply.get("error_description") or "").split())[:120]
            said = f"{error}: {description}" if description else error
            if error == "invalid_grant":
                fix = "the code was already used or has expired; run `linda google login` again"
            elif error == "invalid_client":
                fix = "the OAuth client was deleted or its secret changed; download its JSON again"
            else:
                fix = "run `linda google login` again"
            raise PeopleApiError(
                f"Google refused the code ({said}) — {fix}", Problem.REJECTED
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PeopleApiError(
                f"cannot reach Google's token endpoint {where} ({reason}) — check the network "
                "and the proxy settings (HTTPS_PROXY), then run `linda google login` again",
                Problem.NETWORK,
            ) from None
        reply = _json_object(data[:MAX_REPLY_BYTES])
        refresh = reply.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise PeopleApiError(
                f"the token endpoint {where} sent no refresh token — remove Linda's access at "
                "https://myaccount.google.com/permissions and run `linda google login` again",
                Problem.BAD_REPLY,
            )
        granted = str(reply.get("scope") or CONTACTS_SCOPE).split()
        if CONTACTS_SCOPE not in granted:
            raise PeopleApiError(
                "access to Google Contacts was not granted — run `linda google login` again "
                "and tick the Contacts box",
                Problem.REJECTED,
            )
        return reply

    def finish(self, pasted: str, token_file: Path, timeout: float = 30.0) -> TokenWritten:
        """Exchange what was pasted for a refresh token and write the token file (0600;
        missing folders 0700). An older token file there is replaced; anything else that
        is not a regular file is refused before the code is used."""
        try:
            check_replaceable(
                token_file, "token file", TOKEN_ELSEWHERE
            )  # before the code is spent on it
        except UnsafePathError as exc:
            raise PeopleApiError(str(exc), Problem.CREDENTIALS) from None
        reply = self.exchange(self.code_from(pasted), timeout)
        token = {
            "type": "authorized_user",
            "client_id": self.client.client_id,
            "client_secret": self.client.client_secret,
            "refresh_token": reply["refresh_token"],
            "token_uri": self.client.token_uri,
            "scopes": [CONTACTS_SCOPE],
            "universe_domain": "googleapis.com",
        }
        text = json.dumps(token, indent=2) + "\n"
        try:
            replaced = write_private_atomic(
                token_file,
                text.encode("utf-8"),
                "token file",
                durable=True,
                elsewhere=TOKEN_ELSEWHERE,
            )
        except UnsafePathError as exc:
            raise PeopleApiError(str(exc), Problem.CREDENTIALS) from None
        except OSError as exc:
            raise PeopleApiError(
                f"cannot write the token file {token_file} ({exc.strerror or exc}) — choose a "
                "folder you can write to",
                Problem.CREDENTIALS,
            ) from None
        return TokenWritten(token_file, replaced)


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def start_login(client_file: Path, *, port: int | None = None) -> GoogleLogin:
    """A sign-in for the OAuth client in client_file: print ``.url``, then ``finish()``."""
    return GoogleLogin(read_oauth_client(Path(client_file)), port=port)
