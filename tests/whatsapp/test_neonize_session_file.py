"""A real neonize session file that cannot be used is "damaged" (state error, with the
reason and the fix), never "not paired", and never written through a planted link."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from linda_tui.models import BotState
from linda_tui.whatsapp import neonize_account as module
from linda_tui.whatsapp.account import AccountError
from linda_tui.whatsapp.backoff import ExponentialBackoff
from linda_tui.whatsapp.neonize_account import NeonizeAccount, session_file_damage

from .conftest import write_paired_session

WAIT = 30.0


def make_account(sessions: Path, recorder: Any) -> NeonizeAccount:
    backoff = ExponentialBackoff(initial=0.05, cap=60.0, jitter=0.0)
    return NeonizeAccount("bot1", "+971501234567", recorder, sessions, backoff=backoff)


def damage_a_page(path: Path) -> None:
    """Random bytes over one page in the middle of the file (not the header page)."""
    with sqlite3.connect(path) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    middle = (path.stat().st_size // page // 2) * page
    with open(path, "r+b") as handle:
        handle.seek(middle)
        handle.write(random.Random(5).randbytes(page))


def plant(session: Path, kind: str, victim: Path) -> None:
    session.parent.mkdir(mode=0o700)
    if kind == "link":
        session.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(session)
    elif kind == "folder":
        session.mkdir()
    else:
        write_paired_session(session)
        session.with_name("bot1.db-journal").symlink_to(victim)


async def started_state(account: NeonizeAccount, recorder: Any) -> tuple[BotState, str]:
    await asyncio.wait_for(account.start(), WAIT)
    try:
        return account.state, account.detail or ""
    finally:
        await asyncio.wait_for(account.stop(), WAIT)


async def test_a_damaged_page_makes_the_bot_an_error_that_says_damaged(
    neonize_sessions: Path, neonize_recorder: Any
) -> None:
    session = neonize_sessions / "bot1.db"
    write_paired_session(session)
    damage_a_page(session)
    damaged = session.read_bytes()
    account = make_account(neonize_sessions, neonize_recorder)
    state, detail = await started_state(account, neonize_recorder)
    assert state is BotState.ERROR
    assert detail.startswith("session file damaged (SQLite")
    assert detail.endswith(
        f"— restore {session} from a backup, or move it aside and pair the bot again"
    )
    with pytest.raises(AccountError, match="session file damaged"):
        await account.pair()  # never paired over it
    assert session.read_bytes() == damaged


async def test_a_sound_session_still_reads_as_paired(
    neonize_sessions: Path, neonize_recorder: Any
) -> None:
    write_paired_session(neonize_sessions / "bot1.db")
    account = make_account(neonize_sessions, neonize_recorder)
    assert account.is_paired and account.session_damage is None


@pytest.mark.parametrize("kind", ["link", "fifo", "folder", "journal-link"])
async def test_a_session_path_that_is_not_a_session_file_is_damaged_and_left_alone(
    neonize_sessions: Path, neonize_recorder: Any, victim: Path, kind: str
) -> None:
    plant(neonize_sessions / "bot1.db", kind, victim)
    account = make_account(neonize_sessions, neonize_recorder)
    state, detail = await asyncio.wait_for(started_state(account, neonize_recorder), 10)
    assert state is BotState.ERROR and detail.startswith("session file damaged (")
    assert "symbolic link" in detail or "not a regular file" in detail
    with pytest.raises(AccountError, match="session file damaged"):
        await account.pair()


async def test_big_sessions_are_fully_checked_by_doctor_only(
    neonize_sessions: Path, neonize_recorder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = neonize_sessions / "bot1.db"
    write_paired_session(session)
    damage_a_page(session)
    monkeypatch.setattr(module, "SESSION_QUICK_CHECK_BYTES", 4096)  # "big": over the limit
    account = make_account(neonize_sessions, neonize_recorder)
    assert account.session_damage is None  # start-up stays cheap for big sessions...
    full = session_file_damage(session, full=True)  # ...doctor reads every page
    assert full is not None and full.startswith("SQLite")
