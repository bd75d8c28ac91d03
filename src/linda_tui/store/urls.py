"""Store URLs: which backend a URL names, and how to show one without its password.

``redact_url`` is the one place that decides which part of a URL is a secret; the log
filter (``logsetup.redact``), ``linda config check`` and the store's own messages all use
it. For ``mongodb://`` and ``mongodb+srv://`` it splits the URL as pymongo does (query at
the first ``?``, database at the first ``/``, user-info up to the LAST ``@`` of the host
part; see ``pymongo.uri_parser_shared._validate_uri``), so what is masked is what the
driver would send as a password. When pymongo would refuse the URL (a ``/``, ``?`` or
``@`` in the password, not percent-encoded), the password may run past that split: then
everything up to the last ``@`` in the URL is taken as user-info. Masking too much beats
showing a piece of a password.
"""

from __future__ import annotations

import re
from pathlib import Path

SQLITE_PREFIX = "sqlite:///"
MONGODB_PREFIXES = ("mongodb://", "mongodb+srv://")
MASK = "***"

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# pymongo refuses a database name with any of these (its _BAD_DB_CHARS).
_BAD_DB_CHARS = frozenset('/ "$')
# Query parameters whose value is a secret, by (lower-cased) name: password,
# tlsCertificateKeyFilePassword, authMechanismProperties (AWS_SESSION_TOKEN:...), sig...
_SECRET_PARAM = re.compile(
    r"(?i)(?:pass|pwd|secret|token|credential|signature|^sig$|key$|authmechanismproperties)"
)
_PARAM = re.compile(r"(^|[?&;])([^=&;?]*)=([^&;]*)")


def redact_url(url: str) -> str:
    """url with its password (and any secret query parameter) replaced by ``***``.

    ``mongodb://linda:s3/cr@t@db.example/linda?password=x`` becomes
    ``mongodb://linda:***@db.example/linda?password=***``. The user name stays when a
    ``:`` follows it; a user-info without one is masked whole (``https://TOKEN@host``).
    Anything that is not ``scheme://...`` is returned as it is.
    """
    match = _SCHEME.match(url)
    if match is None:
        return url
    scheme, rest = match.group(0), url[match.end() :]
    end = _userinfo_end(scheme, rest)
    if end is None:
        host_and_rest = rest
        shown = ""
    else:
        userinfo, host_and_rest = rest[:end], rest[end + 1 :]
        user, colon, _ = userinfo.partition(":")
        shown = f"{user}:{MASK}@" if colon else f"{MASK}@"
    return f"{scheme}{shown}{_redact_query(host_and_rest)}"


# A URL in running text (a log line, an error message): up to the next space; and, when
# what it has reads as ``user:pass`` with no '@' yet, the rest of the line up to its last
# '@' (a password with a space in it).
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://(?P<token>\S*)(?P<more>[^\S\n][^\n]*@\S*)?")


def redact_urls_in_text(text: str) -> str:
    """text with every URL in it passed through ``redact_url``."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(_redact_found_url, text)


def _redact_found_url(match: re.Match[str]) -> str:
    token, more = match.group("token"), match.group("more") or ""
    url = match.group(0)[: len(match.group(0)) - len(more)]
    if more and "@" not in token:
        authority = re.split(r"[/?#]", token, maxsplit=1)[0]
        if _looks_like_credentials(authority):
            return redact_url(url + more)
    return redact_url(url) + redact_urls_in_text(more)


def url_secrets(url: str) -> list[str]:
    """The pieces of url's password as they could appear in another message, longest first.

    A driver that refuses a URL may quote part of it (``Port must be an integer: 's3'``);
    ``hide_url_secrets`` removes these pieces from such a message.
    """
    match = _SCHEME.match(url)
    if match is None:
        return []
    rest = url[match.end() :]
    end = _userinfo_end(match.group(0), rest)
    if end is None:
        return []
    userinfo = rest[:end]
    user, colon, password = userinfo.partition(":")
    secret = password if colon else user
    pieces = {secret, *re.split(r"[:/?#@\[\]]", secret)}
    try:
        from urllib.parse import unquote_plus

        pieces.add(unquote_plus(secret))
    except Exception:  # pragma: no cover - unquote_plus does not raise on str
        pass
    return sorted((p for p in pieces if len(p) >= 2), key=len, reverse=True)


def hide_url_secrets(text: str, url: str) -> str:
    """text (e.g. a driver's error about url) with every piece of url's password masked
    where it stands on its own (``'s3'``), not inside a longer word (``password``)."""
    for piece in url_secrets(url):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(piece)}(?![A-Za-z0-9])", MASK, text)
    return text


def has_userinfo(url: str) -> bool:
    """Whether url names a user (``user@`` or ``user:password@``), read as redaction
    reads it (a password may hold '/', '@' or ':')."""
    match = _SCHEME.match(url)
    return match is not None and _userinfo_end(match.group(0), url[match.end() :]) is not None


def _userinfo_end(scheme: str, rest: str) -> int | None:
    """Index in rest of the ``@`` that ends the user-info, or None when there is none."""
    if "@" not in rest:
        return None
    if scheme.lower() in MONGODB_PREFIXES:
        return _mongodb_userinfo_end(scheme.lower() == MONGODB_PREFIXES[1], rest)
    # Any other scheme: RFC 3986, the authority ends at the first / ? or #.
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, authority_end)
    if at >= 0:
        return at
    if _looks_like_credentials(rest[:authority_end]):
        return rest.rfind("@")  # user:pa/ss@host: the password holds a delimiter
    return None


def _looks_like_credentials(authority: str) -> bool:
    """True for ``user:secret`` (what follows ':' is no port), False for ``host:27017``."""
    if authority.startswith("["):  # an IPv6 literal, [::1]:27017
        authority = authority.partition("]")[2]
    _, colon, after = authority.partition(":")
    return bool(colon) and not after.isdigit()


def _mongodb_userinfo_end(srv: bool, rest: str) -> int | None:
    """The ``@`` pymongo ends the user-info at, when pymongo accepts the URL so split;
    otherwise the last ``@`` of the URL (the password holds a delimiter)."""
    from urllib.parse import unquote_plus

    from pymongo.errors import PyMongoError
    from pymongo.uri_parser import parse_userinfo, split_hosts

    host_and_db, _, _ = rest.partition("?")
    host_part, _, database = host_and_db.partition("/")
    at = host_part.rfind("@")
    userinfo, hosts = (host_part[:at], host_part[at + 1 :]) if at >= 0 else (None, host_part)
    try:
        if userinfo is not None:
            parse_userinfo(userinfo)
        split_hosts(hosts, default_port=None if srv else 27017)
    except (PyMongoError, ValueError):
        return rest.rfind("@")
    database = unquote_plus(database)
    if "@" in database or any(c in _BAD_DB_CHARS for c in database):
        return rest.rfind("@")  # mongodb://user:pa/ss@host/db
    return at if at >= 0 else None  # else the only '@' are in the query (appName=a@b)


def _redact_query(text: str) -> str:
    """text (host, path and query of a URL) with secret query parameters masked."""
    before, question, query = text.partition("?")
    if not question:
        return text

    def mask(match: re.Match[str]) -> str:
        sep, name, value = match.groups()
        if value and _SECRET_PARAM.search(name):
            return f"{sep}{name}={MASK}"
        return match.group(0)

    return f"{before}?{_PARAM.sub(mask, query)}"


def is_mongodb_url(url: str) -> bool:
    """True when url names a MongoDB server."""
    return url.startswith(MONGODB_PREFIXES)


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite store URL or plain path names, or None when url is not one.

    ``sqlite:///linda.db`` is relative, ``sqlite:////srv/linda.db`` absolute (as in
    SQLAlchemy); anything without ``://`` is a plain path.
    """
    if url.startswith(SQLITE_PREFIX):
        rest = url.removeprefix(SQLITE_PREFIX)
        return Path(rest) if rest else None
    if "://" in url:
        return None
    return Path(url).expanduser()
