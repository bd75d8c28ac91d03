"""Shared test setup. Area-specific fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest


def _store_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name and t.is_alive()}


@pytest.fixture(autouse=True)
def no_store_left_open() -> Iterator[None]:
    """A store left open keeps aiosqlite's (non-daemon) thread alive and hangs the
    interpreter at exit — exactly what an operator's `linda` must never do."""
    before = _store_threads()
    yield
    deadline = time.monotonic() + 2
    while (leaked := _store_threads() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not leaked, "the test left a SQLite store open (close() it)"
