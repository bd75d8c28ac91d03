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


# --- hostile files: planted links and devices (tests of private files and inputs) ---

_DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7)}


@pytest.fixture
def victim(tmp_path: Path) -> Iterator[Path]:
    """A file that a planted link points at: it must come out exactly as it went in
    (content, mode and modification time)."""
    path = tmp_path / "victim"
    path.write_text("precious\n")
    path.chmod(0o644)
    before = os.stat(path)
    yield path
    after = os.stat(path)
    assert path.read_text() == "precious\n", "written through a planted link"
    assert (after.st_mode, after.st_size, after.st_mtime_ns) == (
        before.st_mode,
        before.st_size,
        before.st_mtime_ns,
    ), "changed through a planted link"


@pytest.fixture
def device(tmp_path: Path) -> Callable[[str], Path]:
    """make(kind): a private copy of /dev/null, /dev/zero or /dev/full (same device
    numbers, mode 0666), made with mknod in the test's folder, so that a regression can
    never chmod or fill the machine's own. Skips the test when mknod is not allowed."""

    def make(kind: str) -> Path:
        folder = tmp_path / "dev"
        folder.mkdir(exist_ok=True)
        path = folder / kind
        if not path.exists():
            try:
                os.mknod(path, 0o020000 | 0o666, os.makedev(*_DEVICES[kind]))  # S_IFCHR
            except PermissionError:
                pytest.skip("making a device node needs root")
            os.chmod(path, 0o666)
        return path

    return make
