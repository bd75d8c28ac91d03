"""A terminal that goes away (SSH dropped, window closed) never leaves Linda stuck.

The end-to-end proof is in tests/e2e (a tmux session killed under a running console);
these tests pin the parts: the driver's output over a real pseudo-terminal that hangs
up, and the console's answer to SIGTERM and to a second signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import signal
import threading
from pathlib import Path

import pytest
from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

from linda_tui.models import BotState
from linda_tui.tui import app as app_module
from linda_tui.tui.terminal_driver import TerminalOutput

from .conftest import MakeApp
from .screen_probe import wait_for_text, wait_until


def test_writes_to_a_terminal_that_hung_up_never_block() -> None:
    master, slave = pty.openpty()
    terminal = os.fdopen(slave, "w", buffering=1)
    output = TerminalOutput(terminal)
    writer = WriterThread(output)  # type: ignore[arg-type]
    writer.start()
    writer.write("before the hang-up\n")
    os.close(master)  # the terminal goes away: writes now fail with EIO
    done = threading.Event()

    def write_a_lot() -> None:
        for index in range(50 * MAX_QUEUED_WRITES):
            writer.write(f"frame {index}\n")
        writer.stop()
        done.set()

    threading.Thread(target=write_a_lot, daemon=True).start()
    # Textual's own thread died on the first EIO and the 31st write blocked for ever.
    assert done.wait(10), "a write to the dead terminal blocked"
    assert output.gone
    with contextlib.suppress(OSError):  # its own buffer cannot be flushed either
        terminal.close()


def test_output_that_fails_is_dropped_from_then_on(tmp_path: Path) -> None:
    class Gone:
        writes = 0

        def write(self, text: str) -> None:
            self.writes += 1
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise OSError(5, "Input/output error")

    file = Gone()
    output = TerminalOutput(file)  # type: ignore[arg-type]
    output.write("a")
    output.write("b")
    output.flush()
    assert output.gone and file.writes == 1


async def test_sigterm_stops_every_bot_then_leaves(make_app: MakeApp) -> None:
    app = make_app()
    before = signal.getsignal(signal.SIGTERM)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        network = app.services.network
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_until(pilot, lambda: app._exit, "the app to leave", timeout=10)
    assert app.return_code == 0
    assert all(account.state is BotState.STOPPED for account in network._accounts.values())
    assert app.watchdog is None  # no real terminal here: nothing to force
    assert signal.getsignal(signal.SIGTERM) == before  # given back on the way out


async def test_a_second_signal_forces_the_exit(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    forced: list[tuple[signal.Signals, str]] = []
    monkeypatch.setattr(app_module, "force_exit", lambda sig, why: forced.append((sig, why)))
    monkeypatch.setattr(app_module, "SIGNAL_REPEAT_SECONDS", 0.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        # The close is made to hang, as a client that never stops would.
        never = threading.Event()
        close = app.services.close

        async def hangs() -> None:
            while not never.is_set():
                await asyncio.sleep(0.05)
            await close()

        monkeypatch.setattr(app.services, "close", hangs)
        os.kill(os.getpid(), signal.SIGTERM)
        await pilot.pause(0.2)
        assert forced == []
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_until(pilot, lambda: bool(forced), "the forced exit")
        assert forced == [(signal.SIGTERM, "asked twice")]
        never.set()


def test_a_character_the_terminal_cannot_encode_does_not_stop_the_drawing() -> None:
    class Ascii:
        encoding = "ascii"
        written: list[str] = []

        def write(self, text: str) -> None:
            text.encode(self.encoding)  # raises as a strict ASCII terminal file would
            self.written.append(text)

    file = Ascii()
    output = TerminalOutput(file)  # type: ignore[arg-type]
    output.write("● online")
    output.write("next frame")
    assert not output.gone
    assert file.written == ["? online", "next frame"]
