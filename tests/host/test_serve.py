"""`linda serve` as a service manager runs it: one line on start, clean stop on SIGTERM,
and a host killed with -9 leaves nothing that stops the next one."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from linda_process import linda, spawn
from linda_tui.host import protocol
from linda_tui.host.client import FLEET_STOPPED, HostClient


def serve(data: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    return spawn(data, "serve", env=env)


def first_line(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            return line
        if proc.poll() is not None:
            break
    raise AssertionError(
        f"serve printed nothing; stderr: {proc.stderr.read() if proc.stderr else ''}"
    )


def ping(sessions: Path) -> str:
    async def go() -> str:
        client = await HostClient.connect(sessions)
        assert client is not None, "no host answered"
        try:
            return str(await client.request("ping"))
        finally:
            await client.close()

    return asyncio.run(go())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_says_one_line_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    data = tmp_path / "data"
    proc = serve(data)
    try:
        line = first_line(proc)
        assert line.startswith(f"linda serve: pid {proc.pid}, socket ")
        assert str(data / "sessions" / protocol.SOCKET_NAME) in line
        assert "3 bots (demo-main, demo-sales, demo-support)" in line
        assert ping(data / "sessions") == "pong"
        started = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert time.monotonic() - started < 10
        assert "stopped" in out and "Traceback" not in err
        assert not (data / "sessions" / protocol.SOCKET_NAME).exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_host_killed_with_9_is_replaced_by_the_next_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = serve(data)
    first_line(first)
    first.kill()  # SIGKILL: no clean-up at all
    first.wait()
    assert (data / "sessions" / protocol.SOCKET_NAME).exists()  # left behind
    second = serve(data)
    try:
        assert f"pid {second.pid}" in first_line(second)
        assert ping(data / "sessions") == "pong"
    finally:
        second.terminate()
        second.communicate(timeout=20)
    assert second.returncode == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_an_attached_client_hears_that_the_fleet_is_down_and_how_to_start_it(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Stopped or killed, the host took the bots with it: nobody runs them now."""
    data = tmp_path / "data"
    proc = serve(data)
    try:
        first_line(proc)

        async def attached_when_the_host_goes() -> list[str]:
            gone: list[str] = []
            client = await HostClient.connect(data / "sessions", on_event=lambda e: None)
            assert client is not None
            client.when_gone(gone.append)
            proc.send_signal(sig)
            deadline = time.monotonic() + 20
            while not gone and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await client.close()
            return gone

        assert asyncio.run(attached_when_the_host_goes()) == [FLEET_STOPPED]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=20)
    assert FLEET_STOPPED == (
        "the Linda hosting the fleet stopped (every bot is offline) — start it again with "
        "`linda` or `linda serve`"
    )


def test_a_second_serve_is_refused_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = serve(data)
    try:
        first_line(first)
        second = linda(data, "serve", timeout=30)
        assert second.returncode == 1
        [line] = second.stderr.strip().splitlines()
        assert f"already running (pid {first.pid})" in line
    finally:
        first.terminate()
        first.communicate(timeout=20)
