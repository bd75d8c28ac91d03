"""Store URLs: which backend a URL names, and how to show one without its password."""

from __future__ import annotations

import re
from pathlib import Path

SQLITE_PREFIX = "sqlite:///"
MONGODB_PREFIXES = ("mongodb://", "mongodb+srv://")

_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^@/]*@")


def redact_url(url: str) -> str:
    """url with any user:password part replaced by ***, safe to show and to log."""
    return _USERINFO.sub(r"\1***@", url)


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
