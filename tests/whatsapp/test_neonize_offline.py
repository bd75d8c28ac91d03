"""NeonizeAccount against the real neonize library with WhatsApp unreachable (this
machine has no internet): connection attempts, back-off, the pairing watchdog, clean
stops, session files and permissions."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from linda_tui.models import BotState
from linda_tui.whatsapp import neonize_account as module
from linda_tui.whatsapp.account import AccountError, PairingTimedOut, StateChanged
from linda_tui.whatsapp.backoff import ExponentialBackoff
from linda_tui.whatsapp.neonize_account import (
    NeonizeAccount,
    short_reason,
    size_default_executor,
)

NeonizeRecorder = Any  # tests/whatsapp/conftest.py
WAIT = 30.0
DIAL_ERROR = "failed to dial whatsapp web websocket"


def make_account(sessions: Path, recorder: Any, **kwargs: Any) -> NeonizeAccount:
    kwargs.setdefault("backoff", ExponentialBackoff(initial=0.05, cap=60.0, jitter=0.0))
    return NeonizeAccount("bot1", "+971501234567", recorder, sessions, **kwargs)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def until(condition: Any, what: str) -> None:
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} did not happen in {WAIT:.0f} s")


async def test_offline_start_reports_the_network_error_backs_off_and_stops_cleanly(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder, neonize_paired_session: Any
) -> None:
    neonize_paired_session("bot1")
    account = make_account(neonize_sessions, neonize_recorder)
    assert account.is_paired
    await account.start()
    assert neonize_recorder.states()[0].state is BotState.CONNECTING

    def retries() -> list[StateChanged]:
        return [s for s in neonize_recorder.states() if s.state is BotState.RECONNECTING]

    await until(lambda: len(retries()) >= 4, "four reconnect announcements")
    first = retries()[0]
    assert first.detail is not None
    assert first.detail.startswith(f"reconnecting in 0.1 s: {DIAL_ERROR}: ")
    assert "\n" not in first.detail
    delays = [(s.until - s.at).total_seconds() for s in retries()[:4] if s.until]
    assert delays == pytest.approx([0.05, 0.1, 0.2, 0.4])
    # Later attempts wait for WhatsApp Web to answer at all before a neonize attempt.
    assert "cannot reach web.whatsapp.com:443" in (retries()[1].detail or "")

    await asyncio.wait_for(account.stop(), WAIT)
    assert account.state is BotState.STOPPED
    assert neonize_recorder.states()[-1].state is BotState.STOPPED
    # Nothing left behind: no thread still inside neonize's Go core.
    await until(
        lambda: not [t for t in threading.enumerate() if t.name.startswith("neonize-bot1")],
        "the neonize thread ending",
    )
    count = len(neonize_recorder.events)
    await asyncio.wait_for(account.stop(), WAIT)  # idempotent
    assert len(neonize_recorder.events) == count


async def test_each_retry_is_a_real_neonize_attempt_once_whatsapp_answers(
    neonize_sessions: Path,
    neonize_recorder: NeonizeRecorder,
    neonize_paired_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def reachable(timeout: float = 0) -> None:
        return None

    monkeypatch.setattr(module, "probe_whatsapp", reachable)
    neonize_paired_session("bot1")
    account = make_account(neonize_sessions, neonize_recorder)
    try:
        await account.start()
        await until(
            lambda: sum(s.state is BotState.RECONNECTING for s in neonize_recorder.states()) >= 3,
            "three failed attempts",
        )
    finally:
        await asyncio.wait_for(account.stop(), WAIT)
    retries = [s for s in neonize_recorder.states() if s.state is BotState.RECONNECTING]
    assert all(DIAL_ERROR in (s.detail or "") for s in retries)
    connecting = [s for s in neonize_recorder.states() if s.state is BotState.CONNECTING]
    assert len(connecting) >= 3  # one per real attempt


async def test_qr_watchdog_ends_pairing_with_a_clear_state(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder
) -> None:
    """Offline no QR code ever arrives; the watchdog still ends the pairing."""
    account = make_account(neonize_sessions, neonize_recorder, qr_timeout=0.5)
    await account.pair()
    await neonize_recorder.wait_for(PairingTimedOut)
    state = await neonize_recorder.wait_state(BotState.NOT_PAIRED)
    assert state.detail == "pairing timed out — no phone linked it in time"
    assert account.state is BotState.NOT_PAIRED
    count = len(neonize_recorder.events)
    await asyncio.wait_for(account.stop(), WAIT)  # already stopped by the watchdog
    assert len(neonize_recorder.events) == count
    assert not account.is_paired


async def test_session_folder_0700_and_file_0600(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder
) -> None:
    os.mkdir(neonize_sessions)
    os.chmod(neonize_sessions, 0o755)
    account = make_account(neonize_sessions, neonize_recorder, qr_timeout=60.0)
    try:
        await account.pair()
        await neonize_recorder.wait_state(BotState.RECONNECTING)
    finally:
        await asyncio.wait_for(account.stop(), WAIT)
    session = neonize_sessions / "bot1.db"
    assert session.stat().st_size > 0  # neonize wrote its schema into our 0600 file
    assert mode(neonize_sessions) == 0o700
    assert mode(session) == 0o600
    loose = [n for n in os.listdir(neonize_sessions) if mode(neonize_sessions / n) & 0o077]
    assert not loose


async def test_existing_loose_session_file_is_tightened(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder, neonize_paired_session: Any
) -> None:
    session = neonize_paired_session("bot1")
    session.chmod(0o644)
    account = make_account(neonize_sessions, neonize_recorder)
    try:
        await account.start()
        await neonize_recorder.wait_state(BotState.RECONNECTING)
    finally:
        await asyncio.wait_for(account.stop(), WAIT)
    assert mode(session) == 0o600


def test_is_paired_never_creates_the_file_and_survives_garbage(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    account = make_account(neonize_sessions, neonize_recorder)
    assert not account.is_paired
    assert not account.session_path.exists()

    neonize_sessions.mkdir()
    account.session_path.write_bytes(b"this is not a session database" * 50)
    garbled = make_account(neonize_sessions, neonize_recorder)
    with caplog.at_level(logging.WARNING, logger="linda.whatsapp.bot1"):
        assert not garbled.is_paired
    # Damaged, not "not paired": that would invite pairing over it.
    assert garbled.session_damage is not None
    assert garbled.session_damage.startswith("session file damaged (not a SQLite database) — ")
    assert any("session file damaged" in r.getMessage() for r in caplog.records)


async def test_logout_while_offline_forgets_the_session_and_says_what_to_do(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder, neonize_paired_session: Any
) -> None:
    session = neonize_paired_session("bot1")
    account = make_account(neonize_sessions, neonize_recorder)
    await account.start()
    await neonize_recorder.wait_state(BotState.RECONNECTING)
    await asyncio.wait_for(account.logout(), WAIT)
    assert not session.exists()
    assert not account.is_paired
    assert account.state is BotState.LOGGED_OUT
    assert account.detail == (
        "logged out here only, WhatsApp was not told (not connected) — "
        "remove the device under Linked devices on the phone"
    )
    with pytest.raises(AccountError, match="bot1 is not paired — nothing to log out"):
        await account.logout()


async def test_each_client_runs_on_its_own_thread(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder
) -> None:
    """neonize's Neonize() blocks for the client's life; it must not sit in the default
    executor (and must not hold up interpreter exit): a neonize upgrade that drops the
    hook fails here rather than silently."""
    account = make_account(neonize_sessions, neonize_recorder, qr_timeout=60.0)
    try:
        await account.pair()
        await neonize_recorder.wait_state(BotState.RECONNECTING)
        client = account.client
        assert type(client._NewAClient__client).__name__ == "_OwnThreadGoCode"  # type: ignore[union-attr]
    finally:
        await asyncio.wait_for(account.stop(), WAIT)


async def test_size_default_executor_fits_the_fleet() -> None:
    loop = asyncio.get_running_loop()
    executor = size_default_executor(loop, 50)
    try:
        assert executor._max_workers >= 100
        name = await loop.run_in_executor(None, lambda: threading.current_thread().name)
        assert name.startswith("linda-io")
    finally:
        executor.shutdown(wait=False)


def test_short_reason_keeps_the_first_and_last_links() -> None:
    error = (
        "failed to dial whatsapp web websocket: failed to WebSocket dial: failed to send "
        'handshake request: Get "https://web.whatsapp.com/ws/chat": dial tcp: lookup '
        "web.whatsapp.com on 10.0.0.53:53: no such host"
    )
    assert short_reason(error) == (
        "failed to dial whatsapp web websocket: lookup web.whatsapp.com on 10.0.0.53:53: "
        "no such host"
    )
    assert short_reason("websocket not connected") == "websocket not connected"
    assert len(short_reason("x" * 500)) == 160
    assert short_reason(ValueError()) == "ValueError"


async def test_retry_delay_and_until_agree(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder, neonize_paired_session: Any
) -> None:
    neonize_paired_session("bot1")
    account = make_account(
        neonize_sessions,
        neonize_recorder,
        backoff=ExponentialBackoff(initial=30.0, cap=60.0, jitter=0.0),
    )
    try:
        await account.start()
        state = await neonize_recorder.wait_state(BotState.RECONNECTING)
    finally:
        await asyncio.wait_for(account.stop(), WAIT)
    assert state.detail is not None and state.detail.startswith("reconnecting in 30 s: ")
    assert state.until == state.at + timedelta(seconds=30)


LOGGING_PROBE = """
import logging, sys
configure = sys.argv[1] == "configured"
if configure:
    logging.getLogger().addHandler(logging.FileHandler(sys.argv[2]))
import linda_tui.whatsapp.neonize_account as account
assert "neonize" not in sys.modules, "importing the adapter imported neonize"
account._lib()  # first use imports neonize
root = logging.getLogger()
print(root.level, [type(h).__name__ for h in root.handlers])
logging.getLogger("whatsmeow.Client").warning("go says hello")
"""


@pytest.mark.parametrize(
    ("setup", "handlers"), [("configured", "['FileHandler']"), ("bare", "['NullHandler']")]
)
def test_neonize_import_never_touches_the_apps_logging(
    tmp_path: Path, setup: str, handlers: str
) -> None:
    """neonize's import-time basicConfig(INFO) must be a no-op: the app's handlers and
    level stay as they were, and nothing reaches the terminal."""
    import subprocess
    import sys

    log = tmp_path / "app.log"
    done = subprocess.run(
        [sys.executable, "-c", LOGGING_PROBE, setup, str(log)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{logging.WARNING} {handlers}"
    assert done.stderr == ""
    if setup == "configured":
        assert "go says hello" in log.read_text()


BLACKHOLE_CHILD = """
import asyncio, sys, time
from pathlib import Path
from linda_tui.models import BotState
from linda_tui.whatsapp import neonize_account as m
from linda_tui.whatsapp.backoff import ExponentialBackoff

dialing = sys.argv[2] == "stop-while-dialing"
m.CONNECT_TIMEOUT = 600.0 if dialing else 1.0
m.STOP_TIMEOUT = 1.0
events = []

async def main():
    account = m.NeonizeAccount(
        "bot1", "+971501234567", events.append, Path(sys.argv[1]), qr_timeout=600,
        backoff=ExponentialBackoff(initial=0.2, jitter=0.0),
    )
    await account.pair()
    if dialing:
        await asyncio.sleep(1.0)
        print("state:", account.state.value, flush=True)
    else:
        for _ in range(300):
            retries = [e for e in events if getattr(e, "state", None) is BotState.RECONNECTING]
            if retries:
                break
            await asyncio.sleep(0.1)
        print("retry:", retries[0].detail if retries else None, flush=True)
    await asyncio.wait_for(account.stop(), 30)
    print("stopped:", account.state.value, flush=True)

asyncio.run(main())
print("exiting", flush=True)
"""


@pytest.mark.parametrize(
    ("case", "first_line"),
    [
        ("give-up", "retry: reconnecting in 0.2 s: no answer from WhatsApp in 1 s"),
        ("stop-while-dialing", "state: connecting"),
    ],
)
def test_a_hanging_dial_never_hangs_the_account_or_the_exit(
    tmp_path: Path, case: str, first_line: str
) -> None:
    """A network that swallows packets: the TCP connection to the (HTTPS) proxy opens
    and nothing ever answers, so neonize's dial hangs. The attempt is given up after
    CONNECT_TIMEOUT, stop() returns within STOP_TIMEOUT even mid-dial, and the process
    exits while the dial is still hanging."""
    import socket
    import subprocess
    import sys

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop_accepting = threading.Event()

    def swallow() -> None:
        server.settimeout(0.2)
        while not stop_accepting.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    acceptor = threading.Thread(target=swallow, daemon=True)
    acceptor.start()
    env = dict(os.environ, HTTPS_PROXY=f"http://127.0.0.1:{server.getsockname()[1]}")
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    try:
        done = subprocess.run(
            [sys.executable, "-c", BLACKHOLE_CHILD, str(tmp_path / "sessions"), case],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    finally:
        stop_accepting.set()
        acceptor.join()
        for connection in held:
            connection.close()
        server.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [first_line, "stopped: stopped", "exiting"]
    assert held  # the dial really went out and hung
