"""`linda status / send / pair / logout / doctor` end to end with --demo, as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO_ROOT


def demo_argv(data_dir: Path, *args: str) -> list[str]:
    """`linda --demo --data-dir DATA ARGS...` as a process's arguments."""
    return [sys.executable, "-m", "linda_tui", "--demo", "--data-dir", str(data_dir), *args]


def linda(
    data_dir: Path, *args: str, timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `linda --demo --data-dir DATA ARGS...` in a real process."""
    return subprocess.run(
        demo_argv(data_dir, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin if stdin is not None else "",
        env={**os.environ, "NO_COLOR": "1"},
    )


def spawn(data_dir: Path, *args: str, columns: int = 100, lines: int = 40) -> subprocess.Popen[str]:
    return subprocess.Popen(
        demo_argv(data_dir, *args),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": str(columns), "LINES": str(lines)},
    )


def read_until(proc: subprocess.Popen[str], needle: str, timeout: float = 30) -> str:
    """Read the process's stdout line by line until a line contains needle."""
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"{needle!r} not printed; got: {''.join(seen)[-2000:]}")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "demo"


def status(data: Path) -> dict[str, dict]:
    proc = linda(data, "status", "--json", "--wait", "20")
    assert proc.returncode == 0, proc.stderr
    return {row["id"]: row for row in json.loads(proc.stdout)}


def test_status_json_lists_every_bot_with_its_state(data: Path) -> None:
    rows = status(data)
    assert list(rows) == ["demo-main", "demo-sales", "demo-support"]
    for row in rows.values():
        assert set(row) >= {
            "id",
            "name",
            "phone",
            "role",
            "state",
            "since",
            "sent_today",
            "received_today",
            "last_error",
        }
    assert rows["demo-main"]["state"] == "online"
    assert rows["demo-main"]["role"] == "primary"
    assert rows["demo-sales"]["state"] == "not-paired"
    assert rows["demo-support"]["phone"] == "+971501234563"


def test_status_table_is_readable(data: Path) -> None:
    proc = linda(data, "status", "--wait", "20")
    assert proc.returncode == 0, proc.stderr
    assert "demo-main" in proc.stdout and "● online" in proc.stdout
    assert "not paired" in proc.stdout
    assert "2/3 online" in proc.stdout


def test_send_prints_the_id_and_the_network_logs_it(data: Path) -> None:
    proc = linda(data, "send", "--to", "+971501234567", "--bot", "demo-main", "Viewing at 5pm?")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sent 3EB0") and "from demo-main to +971501234567" in proc.stdout
    wa_id = proc.stdout.split()[1]
    [line] = [json.loads(x) for x in (data / "simulated-network.jsonl").read_text().splitlines()]
    assert line == {
        "time": line["time"],
        "bot": "demo-main",
        "to": "+971501234567",
        "id": wa_id,
        "text": "Viewing at 5pm?",
    }
    assert status(data)["demo-main"]["sent_today"] == 1


def test_send_auto_and_all_with_json(data: Path) -> None:
    proc = linda(data, "send", "--to", "0501234567", "--json", "Hello")
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert (result["bot"], result["to"], result["ok"]) == ("demo-main", "+971501234567", True)
    proc = linda(data, "send", "--to", "+971501234567", "--bot", "all", "--json", "Hello all")
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["bot"] for r in json.loads(proc.stdout)) == ["demo-main", "demo-support"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--to", "+971501234567", "--bot", "nobody", "hi"], "no enabled bot with id 'nobody'"),
        (["--to", "+971501234567", "--bot", "demo-sales", "hi"], "bot demo-sales is not online"),
        (["--to", "12345", "hi"], "not a valid phone number"),
        (["--to", "+971501230000", "--bot", "demo-main", "hi"], "not on WhatsApp"),
        (["--to", "+971501234567", ""], "message text is empty"),
        (["--to", "+971501234567", "x" * 65_537], "at most 65,536"),
    ],
)
def test_send_refusals_exit_1_with_one_line(data: Path, args: list[str], reason: str) -> None:
    proc = linda(data, "send", *args)
    assert proc.returncode == 1
    assert reason in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_pair_by_qr_then_status_shows_it_online(data: Path) -> None:
    proc = spawn(data, "pair", "demo-sales")
    try:
        out = read_until(proc, "press Enter")
        assert "Linked devices" in out and ("▀" in out or "█" in out)
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "paired demo-sales" in stdout
    assert status(data)["demo-sales"]["state"] == "online"
    proc = linda(data, "pair", "demo-sales")
    assert proc.returncode == 1 and "already paired" in proc.stderr


def test_pair_in_a_small_terminal_says_how_large_it_must_be(data: Path) -> None:
    import pty
    import select

    master, slave = pty.openpty()  # a real terminal: the size check applies to terminals only
    proc = subprocess.Popen(
        demo_argv(data, "pair", "demo-sales"),
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "LINES": "24"},
    )
    os.close(slave)
    out = b""
    try:
        deadline = time.monotonic() + 30
        while b"press Enter" not in out and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                out += os.read(master, 65536)
    finally:
        proc.kill()
        proc.communicate()
        os.close(master)
    text = out.decode(errors="replace")
    assert "the terminal is 80x24; the QR code needs at least" in text
    assert "linda pair demo-sales --phone-code" in text
    assert "█" not in text


def test_pair_output_to_a_pipe_prints_the_code_whatever_the_size(data: Path) -> None:
    proc = spawn(data, "pair", "demo-sales", columns=20, lines=10)
    try:
        out = read_until(proc, "press Enter")
    finally:
        proc.kill()
        proc.communicate()
    assert "█" in out and "needs at least" not in out


def test_text_starting_with_a_dash_gets_a_hint(data: Path) -> None:
    proc = linda(data, "send", "--to", "+971501234567", "-5% off")
    assert proc.returncode == 2
    assert "goes after '--'" in proc.stderr


def test_pair_by_phone_code(data: Path) -> None:
    proc = spawn(data, "pair", "demo-sales", "--phone-code")
    try:
        out = read_until(proc, "press Enter")
        code_line = [
            x.strip() for x in out.splitlines() if len(x.strip()) == 9 and x.strip()[4] == "-"
        ]
        assert code_line, out
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "paired demo-sales" in stdout


def test_second_linda_on_the_same_sessions_is_refused(data: Path) -> None:
    holder = spawn(data, "pair", "demo-sales")
    try:
        read_until(holder, "press Enter")
        proc = linda(data, "status", "--wait", "1")
        assert proc.returncode == 1
        assert f"Linda is already running (pid {holder.pid})" in proc.stderr
    finally:
        holder.kill()
        holder.communicate()


def test_logout_then_bot_is_logged_out(data: Path) -> None:
    proc = linda(data, "logout", "demo-support")
    assert proc.returncode == 0, proc.stderr
    assert "logged out demo-support" in proc.stdout
    assert status(data)["demo-support"]["state"] == "not-paired"  # a new run: no session
    proc = linda(data, "logout", "demo-support")
    assert proc.returncode == 1 and "not paired" in proc.stderr


def test_doctor_lists_what_fails_with_the_fix_then_passes(data: Path) -> None:
    proc = linda(data, "doctor")
    assert proc.returncode == 1
    assert "✘ FAIL  paired bots" in proc.stdout and "linda pair demo-sales" in proc.stdout
    assert "✔ PASS  WhatsApp reachable" in proc.stdout
    assert "doctor found" in proc.stderr

    pair = spawn(data, "pair", "demo-sales")
    read_until(pair, "press Enter")
    assert pair.stdin is not None
    pair.stdin.write("\n")
    pair.stdin.flush()
    pair.communicate(timeout=30)
    proc = linda(data, "doctor")
    assert proc.returncode == 0, proc.stdout
    assert "checks passed" in proc.stdout
    assert "store" in proc.stdout and "schema version" in proc.stdout

    (data / "sim-sessions").chmod(0o755)  # where the demo's sessions are
    proc = linda(data, "doctor", "--json")
    assert proc.returncode == 1
    checks = {c["name"]: c for c in json.loads(proc.stdout)}
    assert checks["sessions folder"]["outcome"] == "fail"
    assert "chmod 700" in checks["sessions folder"]["fix"]


def test_commands_never_touch_the_repository_sessions(data: Path) -> None:
    linda(data, "status", "--wait", "5")
    assert (data / "sessions").is_dir()
    assert oct((data / "sessions").stat().st_mode & 0o777) == "0o700"
    assert not any((REPO_ROOT / "sessions").glob("*.db"))
