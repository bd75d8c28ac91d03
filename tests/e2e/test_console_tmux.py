"""The console in a real terminal: `linda --demo` brings bots online and sends a
message whose status shows; a real (offline) neonize bot never scribbles Go output
on the screen, and quitting returns promptly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from linda_process import daytime, linda

from .terminal import TmuxTerminal, linda_command

# Quitting must give the terminal back within this many seconds.
QUIT_SECONDS = 8.0
# After its terminal hangs up, Linda must be gone within this many seconds.
HANG_UP_SECONDS = 10.0
# What the Go library (whatsmeow) and neonize's Python side print when their output is
# not kept off the screen: log prefixes and banners the console itself never shows.
# (The console does show the connection error in its own words, e.g. "failed to dial".)
FOREIGN_MARKERS = (
    "Press Ctrl+C",
    "[Client ",
    "Client ERROR",
    "Client WARN",
    "Client INFO",
    "neonize:",
    "ffmpeg",
    "Traceback",
    "panic:",
    "goroutine ",
)


def _layout_intact(screen: str, footer: str = "^p palette") -> None:
    lines = screen.rstrip("\n").splitlines()
    assert lines[0].startswith(" Linda "), screen  # the mode bar, top line
    assert footer in lines[-1], screen  # the footer, bottom line


def test_demo_bots_come_online_and_a_sent_message_shows_its_status(
    terminal: TmuxTerminal, tmp_path: Path
) -> None:
    data = tmp_path / "demo"
    terminal.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, {})
    screen = terminal.wait_for("2/3 online")
    assert "Demo main" in screen and "● online" in screen
    assert "○ not paired" in screen  # demo-sales waits to be paired
    # The dashboard's styles (screens/dashboard.tcss) loaded, with linda started in
    # another folder than its own: the detail line's top border spans the terminal.
    assert "─" * terminal.size[0] in screen, screen
    _layout_intact(screen)

    terminal.press("2")
    terminal.wait_for("[2 Compose]")
    terminal.type("+971501234567")  # the focus starts on To
    terminal.wait_for("✓ +971501234567")
    terminal.press("Tab")  # To -> the message
    terminal.type("Hello from a real terminal")
    terminal.press("C-s")
    screen = terminal.wait_for("✓✓ delivered", "✓✓ read", timeout=40)
    assert "demo-main" in screen and "+971501234567" in screen
    _layout_intact(screen)

    # The simulated network's audit log holds exactly what was sent.
    lines = (data / "simulated-network.jsonl").read_text().splitlines()
    sent = [json.loads(line) for line in lines]
    assert [(m["bot"], m["to"], m["text"]) for m in sent] == [
        ("demo-main", "+971501234567", "Hello from a real terminal")
    ]

    terminal.press("Escape")  # leave the text field so q means quit
    terminal.press("q")
    status, took = terminal.wait_exit(timeout=QUIT_SECONDS)
    assert status == 0
    assert took < QUIT_SECONDS


def test_a_real_offline_neonize_bot_leaves_the_screen_clean(
    terminal: TmuxTerminal, tmp_path: Path
) -> None:
    (tmp_path / "bots.yaml").write_text(
        "default_region: AE\n"
        "bots:\n"
        "  - id: office\n"
        "    name: Office\n"
        '    phone: "+971501234561"\n'
        "    role: primary\n"
    )
    data = tmp_path / "data"
    env = {
        "LINDA_DATA_DIR": str(data),
        "LINDA_SESSIONS_DIR": str(tmp_path / "sessions"),
        "LINDA_STORE_URL": str(tmp_path / "store" / "linda.db"),
        "LINDA_LOG_FILE": str(tmp_path / "logs" / "linda.log"),
    }
    terminal.start([*linda_command(), "--config", "bots.yaml"], tmp_path, env)
    # The first frame may still show the bot stopped: the neonize client looks at its
    # session just after. Wait for what it finds.
    screen = terminal.wait_for("not paired")
    assert "Office" in screen and "0/1 online" in screen

    # Pairing makes neonize connect for real: offline, the Go side fails to dial.
    terminal.press("p")
    screen = terminal.wait_for("↻ reconnecting", "cannot reach", timeout=40)
    log_file = tmp_path / "logs" / "linda.log"
    screens = [screen]
    for _ in range(3):  # give the Go side time to write, and look each time
        time.sleep(1.0)
        screens.append(terminal.wait_for("Pair Office"))
    for shown in screens:
        for marker in FOREIGN_MARKERS:
            assert marker not in shown, f"{marker!r} reached the screen:\n{shown}"
        _layout_intact(shown, footer="esc Cancel")
    # The Go side did run and speak: its words are in the log file, not on screen.
    assert "failed to dial" in log_file.read_text()

    terminal.press("Escape")
    terminal.wait_for("[1 Dashboard]")
    terminal.press("q")
    status, took = terminal.wait_exit(timeout=QUIT_SECONDS)
    assert status == 0
    assert took < QUIT_SECONDS
    # The session folder stays private.
    assert (tmp_path / "sessions").stat().st_mode & 0o777 == 0o700


def _pid_in_lock(data: Path) -> int:
    """The pid of the Linda holding the data folder's sessions (from its lock file)."""
    return int((data / "sessions" / ".linda.lock").read_text().splitlines()[0])


def _running(pid: int) -> bool:
    """True while the process runs (an exited process waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# Unbuffered output (PYTHONUNBUFFERED=1, common under systemd and in containers) is
# how Textual's writer thread met the dead terminal at once, and hung.
UNBUFFERED = {"PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize(
    ("pane_keys", "hang_up", "env"),
    [
        pytest.param((), "kill-session", UNBUFFERED, id="dashboard-session-closed"),
        # The pairing screen redraws every second (its countdown): more writes queue up
        # for the terminal that is gone.
        pytest.param(("Down", "p"), "kill-server", UNBUFFERED, id="pairing-tmux-killed"),
        pytest.param((), "kill-server", {}, id="dashboard-buffered-output"),
    ],
)
def test_a_dropped_ssh_connection_leaves_no_process_behind(
    terminal: TmuxTerminal,
    tmp_path: Path,
    pane_keys: tuple[str, ...],
    hang_up: str,
    env: dict[str, str],
) -> None:
    """Closing the terminal (SIGHUP, as when SSH drops) stops the fleet like `q` does,
    closes the store, and the process is gone within seconds."""
    data = tmp_path / "demo"
    terminal.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, env)
    terminal.wait_for("2/3 online")
    terminal.press(*pane_keys)
    if pane_keys:
        terminal.wait_for("expires in")
    pid = _pid_in_lock(data)
    assert _running(pid)
    if hang_up == "kill-session":
        terminal.kill_session()
    else:
        terminal.close()
    deadline = time.monotonic() + HANG_UP_SECONDS
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _running(pid):
        os.kill(pid, signal.SIGKILL)  # leave nothing behind, even when failing
        raise AssertionError(f"linda (pid {pid}) still ran {HANG_UP_SECONDS} s after SIGHUP")
    text = (data / "logs" / "linda.log").read_text()
    assert "SIGHUP received" in text and "every bot stopped and the store closed" in text
    assert "leaving at once" not in text  # it left by itself, not by the watchdog
    # The store was closed, not abandoned: SQLite folded its journal back in.
    assert (data / "linda.db").exists() and not (data / "linda.db-wal").exists()
    # The lock went with it: the next Linda starts.
    done = subprocess.run(
        [
            *linda_command(),
            "--demo",
            "--data-dir",
            str(data),
            "status",
            "--wait",
            "1",
            "--exit-zero",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_text_and_ctrl_s_sent_in_one_burst_are_sent_whole(
    terminal: TmuxTerminal, tmp_path: Path
) -> None:
    """The message and ctrl+s in ONE send-keys (a laggy link, a paste): the whole text
    is sent, not its first characters."""
    data = tmp_path / "demo"
    terminal.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, {})
    terminal.wait_for("2/3 online")
    terminal.press("2")
    terminal.wait_for("[2 Compose]")
    terminal.type("+971501234567")  # the focus starts on To
    terminal.wait_for("✓ +971501234567")
    terminal.press("Tab")  # To -> the message
    text = "Viewing at 5pm, unit 1204 - bring the keys and the signed form"
    # A typo corrected within the burst: the backspaces apply where they were typed.
    terminal.send_together(text[:-4], "f", "r", "BSpace", "BSpace", text[-4:], "C-s")
    terminal.wait_for("✓ sent", "✓✓ delivered", "✓✓ read", timeout=40)
    lines = (data / "simulated-network.jsonl").read_text().splitlines()
    assert [json.loads(line)["text"] for line in lines] == [text]


def test_two_consoles_and_a_send_share_one_host(terminal: TmuxTerminal, tmp_path: Path) -> None:
    """The first console hosts; a second attaches (same panes); `linda send` from a third
    terminal goes through the host and shows live in both; quitting the attached one
    leaves the bots running; quitting the host asks, then the attached one leaves."""
    data = tmp_path / "demo"
    terminal.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, {})
    terminal.wait_for("2/3 online")
    second = TmuxTerminal(size=(100, 32))
    try:
        second.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, {})
        screen = second.wait_for("2/3 online")
        _layout_intact(screen)
        for console in (terminal, second):
            console.press("5")
            console.wait_for("[5 Activity]")
        sent = subprocess.run(
            [*linda_command(), "--demo", "--data-dir", str(data), "send",
             "--to", "+971501234567", "--bot", "demo-main", "Seen by both consoles"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.startswith("sent ")
        for console in (terminal, second):
            console.wait_for("Seen by both consoles")
        # The host asks before stopping the fleet for the attached console too.
        terminal.press("q")
        terminal.wait_for("Stop the fleet for everyone?")
        terminal.press("n")
        # Quitting the attached console leaves every bot running.
        second.press("q")
        status, _took = second.wait_exit(timeout=QUIT_SECONDS)
        assert status == 0
        terminal.press("1")
        terminal.wait_for("2/3 online")
        # Another attaches; now the host quits for everyone and the attached one leaves
        # with one line.
        third = TmuxTerminal(size=(100, 32))
        try:
            third.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, {})
            third.wait_for("2/3 online")
            terminal.press("q")
            terminal.wait_for("Stop the fleet for everyone?")
            terminal.press("y")
            status, _took = terminal.wait_exit(timeout=QUIT_SECONDS)
            assert status == 0
            status, _took = third.wait_exit(timeout=QUIT_SECONDS)
            assert status == 1
            assert "stopped (every bot is offline) — start it again" in third.screen()
            assert "Traceback" not in third.screen()
        finally:
            third.close()
    finally:
        second.close()


def test_a_console_without_a_terminal_says_so(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*linda_command(), "--demo", "--data-dir", str(tmp_path / "demo")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == ""  # no screen taken over, no escape codes
    [line] = proc.stderr.strip().splitlines()
    assert "needs a terminal" in line


def test_a_path_with_terminal_controls_never_drives_the_terminal(
    terminal: TmuxTerminal, tmp_path: Path
) -> None:
    """A data folder whose name holds an OSC 52 sequence (it writes the clipboard) and
    markup: the console runs in it, and the refusal of a second host (`linda serve`)
    quotes the path with the controls shown, not obeyed."""
    data = tmp_path / "data \x1b]52;c;SGk=\x07 [/] [@click=app.quit]"
    terminal.start([*linda_command(), "--demo", "--data-dir", str(data)], tmp_path, {})
    terminal.allow_clipboard_writes()
    terminal.wait_for("2/3 online")
    second = subprocess.run(
        [*linda_command(), "--demo", "--data-dir", str(data), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "\x1b" not in second.stderr and "\x07" not in second.stderr
    assert "data \\x1b]52;c;SGk=\\x07 [/] [@click=app.quit]" in second.stderr
    terminal.press("q")
    status, _took = terminal.wait_exit(timeout=QUIT_SECONDS)
    assert status == 0
    assert terminal.buffers() == ""  # no OSC 52 reached the terminal


def test_a_broadcast_run_whose_terminal_hangs_up_pauses_its_campaign(
    terminal: TmuxTerminal, tmp_path: Path
) -> None:
    """`broadcast run` in an SSH session that drops (SIGHUP) pauses the campaign as
    ctrl+c does: nothing is left half-sent (a recipient still sending would become
    uncertain), and the next `run` resumes where it stopped."""
    data = tmp_path / "demo"
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(f"+97150{3000000 + n}" for n in range(3000)) + "\n")
    made = linda(
        data, "broadcast", "create", "--name", "Open house", "--to-file", str(numbers),
        "--template", "Open house on Saturday", "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    env = daytime()  # the standard pace sends now, whatever the hour
    terminal.start(
        [*linda_command(), "--demo", "--data-dir", str(data), "broadcast", "run", "1"],
        tmp_path,
        env,
    )
    network = data / "simulated-network.jsonl"
    deadline = time.monotonic() + 40
    while not (network.exists() and network.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert network.exists() and network.stat().st_size, terminal.screen()
    pid = _pid_in_lock(data)
    terminal.kill_session()
    deadline = time.monotonic() + HANG_UP_SECONDS
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _running(pid):
        os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"broadcast run (pid {pid}) still ran after SIGHUP")
    shown = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert shown["status"] == "paused"
    assert shown["counts"]["sending"] == 0 and shown["uncertain"] == []
