"""`linda status / send / pair / logout / doctor` end to end with --demo, as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linda_process import demo_argv, linda, pairing, read_until

from .conftest import REPO_ROOT


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
    # Refused (the same text within 24 h): the same list, with the reason; status 1.
    proc = linda(data, "send", "--to", "0501234567", "--json", "Hello")
    assert proc.returncode == 1
    [refused] = json.loads(proc.stdout)
    assert (refused["bot"], refused["to"], refused["ok"], refused["id"]) == (
        None,
        "+971501234567",
        False,
        None,
    )
    assert "24" in refused["error"] and refused["error"] in proc.stderr


@pytest.mark.parametrize(
    ("args", "status", "reason"),
    [
        # bad input on the command line: a usage error, status 2, as the README says
        (["--to", "+971501234567", "--bot", "nobody", "hi"], 2, "no enabled bot with id 'nobody'"),
        (["--to", "12345", "hi"], 2, "not a valid phone number"),
        (["--to", "+97150123ABCD", "hi"], 2, "'+97150123ABCD' has letters in it"),
        (["--to", "+971501234567 ext 5", "hi"], 2, "has an extension"),
        (["--to", "+971501234567", ""], 2, "message text is empty"),
        (["--to", "+971501234567", "x" * 65_537], 2, "at most 65,536"),
        # the byte 0xff, not UTF-8 (subprocess writes the surrogate back as that byte)
        (["--to", "+971501234567", "hi \udcff"], 2, "bytes that are not UTF-8"),
        # the command ran and could not send: status 1
        (
            ["--to", "+971501234567", "--bot", "demo-sales", "hi"],
            1,
            "bot demo-sales is not paired — link it with `linda --demo --data-dir {data} "
            "pair demo-sales`, or send with --bot auto",
        ),
        (["--to", "+971501230000", "--bot", "demo-main", "hi"], 1, "not on WhatsApp"),
    ],
)
def test_send_refusals_exit_with_one_line(
    data: Path, args: list[str], status: int, reason: str
) -> None:
    proc = linda(data, "send", *args)
    assert proc.returncode == status, proc.stderr
    assert reason.format(data=data) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (data / "simulated-network.jsonl").exists() or status == 1


def test_a_number_with_letters_is_never_sent_to(data: Path) -> None:
    """phonenumbers reads ABCD as the keypad's 2223: nothing may go to +971501232223."""
    for bot in ("auto", "all", "demo-main"):
        proc = linda(data, "send", "--to", "+97150123ABCD", "--bot", bot, "Viewing at 5pm?")
        assert proc.returncode == 2
    assert not (data / "simulated-network.jsonl").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["pair", "nobody"],
        ["pair", "demo-sales", "--phone-code", "--phone", "+97150123ABCD"],
        ["logout", "nobody", "--yes"],
        ["logout", "nobody"],
    ],
)
def test_bad_input_to_pair_and_logout_exits_2(data: Path, args: list[str]) -> None:
    proc = linda(data, *args)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status", "--demo"], "linda: --demo goes before the command: linda --demo status"),
        (
            ["status", "--json", "--config", "x.yaml"],
            "linda: --config goes before the command: linda --config PATH status",
        ),
        (
            ["config", "check", "--data-dir=x"],
            "linda: --data-dir goes before the command: linda --data-dir PATH config check",
        ),
    ],
)
def test_a_global_option_after_the_command_says_where_it_goes(
    data: Path, args: list[str], expected: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "linda_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=data.parent,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [expected]


def test_pair_by_qr_then_status_shows_it_online(data: Path) -> None:
    proc = pairing(data, "demo-sales")
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
    assert f"linda --demo --data-dir {data} pair demo-sales --phone-code" in text
    assert "█" not in text


def test_pair_output_to_a_pipe_prints_the_code_whatever_the_size(data: Path) -> None:
    proc = pairing(data, "demo-sales", columns=20, lines=10)
    try:
        out = read_until(proc, "press Enter")
    finally:
        proc.kill()
        proc.communicate()
    assert "█" in out and "needs at least" not in out


def test_text_starting_with_a_dash_gets_a_hint(data: Path) -> None:
    proc = linda(data, "send", "--to", "+971501234567", "-5% off")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "linda: No such option '-5' — a message that starts with '-' goes after '--', e.g. "
        f"linda --demo --data-dir {data} send --to +971501234567 -- '-5% off today'"
    ]


def test_pair_by_phone_code(data: Path) -> None:
    proc = pairing(data, "demo-sales", "--phone-code")
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
    holder = pairing(data, "demo-sales")
    try:
        read_until(holder, "press Enter")
        proc = linda(data, "status", "--wait", "1")
        assert proc.returncode == 1
        assert f"Linda is already running (pid {holder.pid})" in proc.stderr
    finally:
        holder.kill()
        holder.communicate()


def test_logout_then_bot_is_logged_out(data: Path) -> None:
    proc = linda(data, "logout", "demo-support", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "logged out demo-support" in proc.stdout
    assert status(data)["demo-support"]["state"] == "not-paired"  # a new run: no session
    proc = linda(data, "logout", "demo-support", "--yes")
    assert proc.returncode == 1 and "not paired" in proc.stderr


def test_logout_without_a_terminal_needs_yes(data: Path) -> None:
    proc = linda(data, "logout", "demo-support")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "linda: logging out demo-support asks for confirmation and stdin is not a terminal — "
        f"add --yes: linda --demo --data-dir {data} logout demo-support --yes"
    ]
    assert status(data)["demo-support"]["state"] == "online"  # nothing happened


def run_on_terminal(data: Path, args: list[str], answer: bytes) -> tuple[int, str]:
    """Run linda with a pseudo-terminal as stdin, stdout and stderr; type answer once
    the question shows."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        demo_argv(data, *args),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "NO_COLOR": "1"},
    )
    os.close(slave)
    out = b""
    answered = False
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
            if not answered and b"[y/N]" in out:
                os.write(master, answer)
                answered = True
        proc.wait(timeout=30)
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, out.decode(errors="replace")


def test_logout_on_a_terminal_asks_first(data: Path) -> None:
    code, out = run_on_terminal(data, ["logout", "demo-support"], b"n\n")
    assert "Log out demo-support (Demo support, +971501234563)?" in out
    assert code == 1 and "not logged out — demo-support stays linked to its phone" in out
    assert status(data)["demo-support"]["state"] == "online"

    code, out = run_on_terminal(data, ["logout", "demo-support"], b"y\n")
    assert code == 0, out
    assert "logged out demo-support" in out
    assert status(data)["demo-support"]["state"] == "not-paired"


def test_ctrl_d_at_the_logout_question_is_no_not_an_interruption(data: Path) -> None:
    code, out = run_on_terminal(data, ["logout", "demo-support"], b"\x04")  # Ctrl-D
    assert code == 1, out
    assert "not logged out — demo-support stays linked to its phone" in out
    assert "interrupted" not in out
    assert status(data)["demo-support"]["state"] == "online"


def test_doctor_lists_what_fails_with_the_fix_then_passes(data: Path) -> None:
    proc = linda(data, "doctor")
    assert proc.returncode == 1
    assert "✘ FAIL  paired bots" in proc.stdout
    # The fix keeps the options this doctor ran with: followed, it reaches the same fleet.
    assert f"fix: `linda --demo --data-dir {data} pair demo-sales`" in proc.stdout
    assert "✔ PASS  WhatsApp reachable" in proc.stdout
    assert "doctor found" in proc.stderr

    pair = pairing(data, "demo-sales")
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


# --- exit statuses scripts can rely on -------------------------------------------------


def test_status_exit_status_follows_the_fleet_health(data: Path) -> None:
    proc = linda(data, "status", "--json", "--wait", "20")
    assert proc.returncode == 0, proc.stderr  # the primary is online
    healthy = json.loads(proc.stdout)

    assert linda(data, "logout", "demo-main", "--yes").returncode == 0
    proc = linda(data, "status", "--wait", "20")
    assert proc.returncode == 3, proc.stdout  # the primary is down, demo-support is online
    assert "1/3 online · primary demo-main: not paired" in proc.stdout
    proc = linda(data, "status", "--json", "--wait", "20")
    assert proc.returncode == 3
    degraded = json.loads(proc.stdout)
    # --json prints the same document whatever the status says
    assert [sorted(row) for row in degraded] == [sorted(row) for row in healthy]
    proc = linda(data, "status", "--json", "--exit-zero", "--wait", "20")
    assert proc.returncode == 0
    assert [sorted(row) for row in json.loads(proc.stdout)] == [sorted(r) for r in healthy]

    assert linda(data, "logout", "demo-support", "--yes").returncode == 0
    proc = linda(data, "status", "--wait", "20")
    assert proc.returncode == 4, proc.stdout  # no bot online
    assert "0/3 online" in proc.stdout
    assert linda(data, "status", "--exit-zero", "--wait", "20").returncode == 0


def test_the_status_hint_is_a_command_linda_accepts(data: Path) -> None:
    """Advice names the command with this run's global options: following it pairs."""
    proc = linda(data, "status", "--wait", "20")
    hints = [line for line in proc.stdout.splitlines() if "link it with" in line]
    assert hints == [
        f"demo-sales is not paired: link it with `linda --demo --data-dir {data} pair demo-sales`"
    ]
    import shlex

    words = shlex.split(hints[0].split("`")[1])
    assert words[:2] == ["linda", "--demo"]
    pair = subprocess.Popen(
        [sys.executable, "-m", "linda_tui", *words[1:]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        read_until(pair, "press Enter")
        assert pair.stdin is not None
        pair.stdin.write("\n")
        pair.stdin.flush()
        stdout, stderr = pair.communicate(timeout=30)
    finally:
        pair.kill()
    assert pair.returncode == 0, stderr
    assert "paired demo-sales" in stdout


# --- pairing offline ends within seconds ----------------------------------------------


def real_fleet(folder: Path) -> Path:
    """A bots.yaml with real (neonize) bots in folder."""
    (folder / "bots.yaml").write_text(
        "bots:\n"
        "  - id: main-office\n    name: Main office\n    phone: '+971501234561'\n"
        "    role: primary\n"
        "  - id: agent-sara\n    name: Sara\n    phone: '+971501234562'\n",
        encoding="utf-8",
    )
    return folder


def offline_env(proxy: str) -> dict[str, str]:
    """WhatsApp reached only through proxy (what Go and the probe both honour)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return {**env, "HTTPS_PROXY": proxy, "NO_COLOR": "1"}


def test_pair_offline_says_whatsapp_is_unreachable_at_once(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "linda_tui", "pair", "agent-sara"],
        cwd=real_fleet(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=offline_env(f"http://127.0.0.1:{port}"),
    )
    assert time.monotonic() - started < 30  # not the 160 s of a whole pairing
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"linda: WhatsApp is unreachable from this machine (cannot reach 127.0.0.1:{port} "
        "(Connection refused)) — check its internet connection (and HTTPS_PROXY if it needs "
        "a proxy), then run `linda pair agent-sara`"
    ]


def test_pair_ends_when_the_first_connection_fails(tmp_path: Path) -> None:
    """The probe gets through (a proxy that accepts and hangs up) but WhatsApp's
    websocket does not: the first failed dial ends the pairing."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def hang_up() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "linda_tui", "pair", "agent-sara", "--phone-code"],
            cwd=real_fleet(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            env=offline_env(f"http://127.0.0.1:{server.getsockname()[1]}"),
        )
    finally:
        stop.set()
        thread.join(5)
        server.close()
    assert time.monotonic() - started < 60  # not the 160 s of a whole pairing
    assert proc.returncode == 1, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith("linda: WhatsApp is unreachable from this machine (failed to dial")
    assert line.endswith("then run `linda pair agent-sara --phone-code`")
    assert "agent-sara: reconnecting: " in proc.stdout


@pytest.mark.parametrize("seconds", ["nan", "NaN", "inf", "-1", "601"])
def test_a_wait_that_is_not_a_number_of_seconds_is_a_usage_error(data: Path, seconds: str) -> None:
    """NaN passes every range check: it waited 0 s and said no bot was online (exit 4)."""
    proc = linda(data, "status", "--wait", seconds)
    assert proc.returncode == 2, proc.stderr
    assert "--wait" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
