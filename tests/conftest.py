"""Shared test setup. Area-specific fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _store_threads() -> set[threading.Thread]:
    return {
        t for t in threading.enumerate() if "_connection_worker_thread" in t.name and t.is_alive()
    }


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


# --- for tests that run `linda` against files: tests/cli and tests/config opt in ---


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No LINDA_* settings from the developer's shell, and cwd in a fresh folder."""
    for key in list(os.environ):
        if key.upper().startswith("LINDA_") and not key.upper().startswith("LINDA_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the root logger: put it back after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str | bytes], Path]:
    """Write bots.yaml content into the working folder and return its path."""

    def write(content: str | bytes, name: str = "bots.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Whatever a test does to the garbage collector (linda_tui.startup) is undone,
    frozen objects included."""
    from linda_tui import startup

    was_enabled = gc.isenabled()
    yield
    startup._paused = False
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()
