"""Every client of a host (a command going through it) notices within seconds that the
host died (kill -9), says so in one line with what to do here — the same global options
— exits 1, and never claims what did not happen. A long `broadcast run` with no host
hosts itself, so other commands go through it instead of being locked out; a command
that only holds the fleet for a moment is named truthfully by the refusal."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from linda_process import daytime, linda, spawn

from .test_serve import first_line, ping, serve


def _numbers(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "numbers.csv"
    rows = [f"+97150{3000000 + n},Client {n}" for n in range(count)]
    path.write_text("phone,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _create(data: Path, tmp_path: Path, count: int, pace: str) -> None:
    made = linda(
        data,
        "broadcast",
        "create",
        "--name",
        "big",
        "--csv",
        str(_numbers(tmp_path, count)),
        "--template",
        "Hi {first_name}",
        "--pace",
        pace,
    )
    assert made.returncode == 0, made.stderr


def _sent_so_far(data: Path) -> int:
    log = data / "simulated-network.jsonl"
    return log.stat().st_size if log.exists() else 0


def _wait_for_progress(
    proc: subprocess.Popen[str], data: Path, beyond: int = 0, timeout: float = 40
) -> None:
    """Until the campaign has sent something more (the simulated network logged a send)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _sent_so_far(data) > beyond:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the campaign sent nothing")


def test_broadcast_run_through_a_host_killed_with_9_ends_at_once_in_one_line(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    host = serve(data, env=daytime())  # the standard pace sends now, whatever the hour
    runner: subprocess.Popen[str] | None = None
    try:
        first_line(host)
        _create(data, tmp_path, 3000, "standard")
        runner = spawn(data, "broadcast", "run", "1", env=daytime())
        _wait_for_progress(runner, data)
        host.kill()
        killed = time.monotonic()
        out, err = runner.communicate(timeout=30)
        noticed = time.monotonic() - killed
    finally:
        for proc in (host, runner):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=20)
    assert runner.returncode == 1, err
    assert noticed < 5, noticed
    last = err.strip().splitlines()[-1]
    assert last == (
        "linda: the Linda hosting the fleet stopped (every bot is offline) — run "
        f"`linda --demo --data-dir {data} broadcast run 1` to resume it here"
    )
    assert "paused" not in err and "Traceback" not in err
    # Nothing claimed, nothing done: the campaign is as the dead host left it.
    shown = linda(data, "broadcast", "show", "1")
    assert "running" in shown.stdout


def test_a_broadcast_run_with_no_host_hosts_and_ctrl_c_says_what_it_did(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _create(data, tmp_path, 3000, "standard")
    runner = spawn(data, "broadcast", "run", "1", env=daytime())
    try:
        _wait_for_progress(runner, data)
        # The run holds the lock and answers on the socket, as a console would.
        assert ping(data / "sessions") == "pong"
        status = linda(data, "status", "--json", "--wait", "1")
        assert status.returncode in (0, 3), status.stderr
        assert '"demo-main"' in status.stdout
        paused = linda(data, "broadcast", "pause", "1")
        assert paused.returncode == 0, paused.stderr
        assert paused.stdout.strip() == "campaign 1 is paused"
        out, err = runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate(timeout=20)
    assert runner.returncode == 1, err  # paused from elsewhere: not done
    assert "campaign 1 stopped: it is paused" in err
    # Started again and interrupted: it says what ctrl+c did, which is true.
    before = _sent_so_far(data)
    again = spawn(data, "broadcast", "run", "1", env=daytime())
    try:
        _wait_for_progress(again, data, beyond=before)
        again.send_signal(signal.SIGINT)
        out, err = again.communicate(timeout=30)
    finally:
        if again.poll() is None:
            again.kill()
            again.communicate(timeout=20)
    assert again.returncode == 130, err
    last = err.strip().splitlines()[-1]
    assert last == (
        "interrupted: campaign 1 is paused — "
        f"`linda --demo --data-dir {data} broadcast run 1` resumes it"
    )
    assert "paused" in linda(data, "broadcast", "show", "1").stdout


def test_a_refusal_names_the_command_that_holds_the_fleet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pairing = spawn(data, "pair", "demo-sales")
    try:
        assert pairing.stdout is not None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:  # until the QR code is on screen
            if "Scan with WhatsApp" in pairing.stdout.readline():
                break
        refused = linda(data, "status")
    finally:
        pairing.kill()
        pairing.communicate(timeout=20)
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert line == (
        f"linda: Linda is already running (pid {pairing.pid}) on {data / 'sessions'}: "
        f"`linda --demo --data-dir {data} pair`, which holds the fleet until it ends — "
        "try again once it has ended, or stop it first"
    )
    assert "console" not in line
