"""The store: every record Linda keeps, in SQLite (default) or MongoDB.

``open_store(url)`` picks the backend from the URL and returns the store, not yet
opened: ``async with open_store(url) as store: ...`` or ``await store.open()``.
"""

from __future__ import annotations

from linda_tui.store.base import Store, StoreError
from linda_tui.store.sqlite import SQLiteStore
from linda_tui.store.urls import is_mongodb_url, redact_url, sqlite_path


def open_store(url: str) -> Store:
    """The store a URL names, not yet opened.

    ``mongodb://`` and ``mongodb+srv://`` URLs give MongoDB; ``sqlite:///path`` or a
    plain file path gives SQLite. Anything else raises StoreError (one line).
    """
    url = url.strip()
    if not url:
        raise StoreError("the store URL is empty — set LINDA_STORE_URL to e.g. ./linda.db")
    if is_mongodb_url(url):
        # Imported here so SQLite users never pay for importing motor.
        from linda_tui.store.mongo import MongoStore

        return MongoStore(url)
    path = sqlite_path(url)
    if url.rstrip("/") in ("sqlite:", "sqlite:/", "sqlite://"):
        raise StoreError(
            f"store URL {url!r} names no file — use a file path such as ./linda.db, "
            "sqlite:///path/to/linda.db, or mongodb://host/linda"
        )
    if path is None:
        raise StoreError(
            f"store URL {redact_url(url)!r} is not supported — use a file path such as "
            "./linda.db, sqlite:///path/to/linda.db, or mongodb://host/linda"
        )
    return SQLiteStore(path)


__all__ = ["SQLiteStore", "Store", "StoreError", "open_store"]
