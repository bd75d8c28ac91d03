"""redirect_native_stdio: what the Go core writes straight to file descriptors 1 and 2
is logged line by line (logger linda.native, redacted, rotated with the log file);
Python's print() and the UI keep the terminal. Run in child processes, since
descriptors 1 and 2 are process-wide."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from linda_tui.whatsapp.stdio_redirect import (
    MAX_LINE_BYTES,
    clean_native_line,
    split_native_lines,
)

PREAMBLE = """
import logging, os, subprocess, sys, threading, time
from pathlib import Path
from linda_tui.logsetup import configure_logging
from linda_tui.whatsapp.stdio_redirect import redirect_native_stdio

LOG = Path(sys.argv[1])

def wait_for_log(text, path=LOG):
    # generous: on a loaded machine the reader thread may be slow, never wrong
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.02)
    return False
"""

RECORD = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (?P<level>[A-Z]+) +(?P<name>\S+): (?P<message>.*)$")


def run_child(body: str, log: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    code = PREAMBLE + textwrap.dedent(body)
    options: dict[str, object] = kwargs or {"capture_output": True}
    return subprocess.run(  # noqa: PLW1510 - checked below with the child's stderr shown
        [sys.executable, "-c", code, str(log)], text=True, timeout=120, **options
    )


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    return done


def records(*paths: Path) -> list[tuple[str, str, str]]:
    """(level, logger, message) of every record in the log files, in file order."""
    found = []
    for path in paths:
        for line in path.read_text().splitlines():
            match = RECORD.match(line)
            assert match, f"not a formatted log record: {line!r}"
            found.append((match["level"], match["name"], match["message"]))
    return found


def native(*paths: Path) -> list[tuple[str, str]]:
    return [(level, text) for level, name, text in records(*paths) if name == "linda.native"]


GO_LIKE = """
configure_logging(LOG)
logging.getLogger("linda.app").info("app line")
print("before", flush=True)
with redirect_native_stdio(LOG):
    os.write(1, b"\\x1b[1;32mPress Ctrl+C to exit\\x1b[0m\\r\\n")  # what Go's fmt.Println does
    os.write(2, b"SendMessage: Error: Authorization: Bearer abc123verysecret\\n")
    os.write(1, b"caf\\xc3\\xa9 \\xff bytes\\n\\n   \\n")
    # a child inherits descriptors 1 and 2
    subprocess.run([sys.executable, "-c", "import os; os.write(1, b'child out\\\\n'); os.write(2, b'child err\\\\n')"], check=True)
    print("python stdout")
    print("python stderr", file=sys.stderr)
    print("textual writes here", file=sys.__stderr__)
    sys.stdout.flush()
    print("tty", sys.__stderr__.isatty(), sys.__stdout__.isatty(), os.isatty(1), file=sys.stderr)
    os.write(2, b"last words without a newline")
os.write(1, b"after, fd 1 is the terminal again\\n")
print("after print", flush=True)
"""


def test_native_lines_are_logged_redacted_and_python_keeps_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "linda.log"
    done = ok(run_child(GO_LIKE, log))
    assert done.stdout.splitlines() == [
        "before",
        "python stdout",
        "after, fd 1 is the terminal again",
        "after print",
    ]
    assert done.stderr.splitlines() == [
        "python stderr",
        "textual writes here",
        "tty False False False",
    ]
    lines = native(log)
    # The two descriptors are separate pipes: order is kept within each, not across.
    assert [text for level, text in lines if level == "INFO"] == [
        "Press Ctrl+C to exit",
        "café \ufffd bytes",
        "child out",
    ]
    assert [text for level, text in lines if level == "WARNING"] == [
        "SendMessage: Error: Authorization: ***",
        "child err",
        "last words without a newline",
    ]
    assert ("INFO", "linda.app", "app line") in records(log)
    assert "abc123verysecret" not in log.read_text()
    assert "\x1b" not in log.read_text()
    assert os.stat(log).st_mode & 0o777 == 0o600


def test_a_line_without_its_newline_is_logged_after_a_pause(tmp_path: Path) -> None:
    log = tmp_path / "linda.log"
    body = """
    configure_logging(LOG)
    with redirect_native_stdio(LOG):
        os.write(1, b"Pair Code: ABCD-EFGH")
        print("seen while running:", wait_for_log("linda.native: Pair Code: ABCD-EFGH"))
    """
    done = ok(run_child(body, log))
    assert done.stdout == "seen while running: True\n"
    assert native(log) == [("INFO", "Pair Code: ABCD-EFGH")]


def test_native_lines_follow_the_log_file_through_rotation(tmp_path: Path) -> None:
    log = tmp_path / "linda.log"
    body = """
    configure_logging(LOG)
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "linda-file"]
    with redirect_native_stdio(LOG):
        os.write(1, b"before rotation\\n")
        assert wait_for_log("before rotation")
        handler.doRollover()
        os.write(2, b"after rotation\\n")
    """
    ok(run_child(body, log))
    assert native(Path(f"{log}.1")) == [("INFO", "before rotation")]
    assert native(log) == [("WARNING", "after rotation")]


def test_without_logging_configured_lines_go_to_a_private_file_at_log_path(tmp_path: Path) -> None:
    log = tmp_path / "linda.log"
    body = """
    root = logging.getLogger()
    native = logging.getLogger("linda.native")
    before = (list(root.handlers), root.level, native.handlers[:], native.propagate, native.level)
    with redirect_native_stdio(LOG):
        os.write(1, b"Press Ctrl+C to exit\\n")
        os.write(2, b"token=s3cr3t-value\\n")
    after = (list(root.handlers), root.level, native.handlers[:], native.propagate, native.level)
    print("logging restored:", before == after)
    """
    done = ok(run_child(body, log))
    assert done.stdout == "logging restored: True\n"
    assert done.stderr == ""
    assert sorted(native(log)) == [("INFO", "Press Ctrl+C to exit"), ("WARNING", "token=***")]
    assert os.stat(log).st_mode & 0o777 == 0o600


def test_a_handler_on_descriptor_2_does_not_feed_native_lines_back(tmp_path: Path) -> None:
    """A stream handler on the original stderr writes into the pipe the reader drains:
    native lines must not reach it, or every line would be logged forever."""
    log = tmp_path / "linda.log"
    body = """
    configure_logging(LOG)
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
    with redirect_native_stdio(LOG):
        os.write(2, b"SendMessage: Error once\\n")
        assert wait_for_log("SendMessage: Error once")
        time.sleep(0.5)  # a loop would have logged the line again by now
    """
    ok(run_child(body, log))
    assert native(log) == [("WARNING", "SendMessage: Error once")]


def test_megabytes_of_native_output_neither_block_nor_get_lost(tmp_path: Path) -> None:
    """The reader keeps up with a C-level flood on both descriptors (a stalled reader
    would block the writers for good: the generous subprocess timeout catches that)."""
    log = tmp_path / "linda.log"
    body = """
    configure_logging(LOG)
    LINES, FILLER = 16000, b"x" * 180

    def flood(fd, tag):
        chunk = []
        for i in range(LINES):
            chunk.append(b"%s %06d %s\\n" % (tag, i, FILLER))
            if len(chunk) == 300:  # ~60 KB per write, like a burst from Go
                os.write(fd, b"".join(chunk))
                chunk = []
        os.write(fd, b"".join(chunk))

    with redirect_native_stdio(LOG):
        err = threading.Thread(target=flood, args=(2, b"err"))
        err.start()
        flood(1, b"out")
        err.join()
        os.write(1, b"%s\\n" % (b"y" * 10000))  # one line longer than a log record may be
    """
    ok(run_child(body, log))
    files = sorted(tmp_path.glob("linda.log*"), reverse=True)  # oldest first: .2, .1, base
    lines = native(*files)
    out = [text for level, text in lines if level == "INFO"]
    err = [text for level, text in lines if level == "WARNING"]
    filler = "x" * 180
    assert out[:16000] == [f"out {i:06d} {filler}" for i in range(16000)]
    assert err == [f"err {i:06d} {filler}" for i in range(16000)]
    long_pieces = out[16000:]
    assert "".join(long_pieces) == "y" * 10000
    assert all(len(piece) <= MAX_LINE_BYTES for piece in long_pieces)
    assert len(files) > 1  # ~8 MB of records: the flood went through a rotation too


def test_descriptors_and_threads_are_given_back(tmp_path: Path) -> None:
    log = tmp_path / "linda.log"
    body = """
    configure_logging(LOG)
    def state():
        return sorted(os.listdir("/proc/self/fd")), threading.active_count()
    before = state()
    for round in range(3):
        with redirect_native_stdio(LOG):
            os.write(1, b"round %d\\n" % round)
            # a child still holding descriptor 1 must not keep the reader alive
            sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        sleeper.kill()
        sleeper.wait()
    print("same descriptors and threads:", state() == before)
    """
    done = ok(run_child(body, log))
    assert done.stdout == "same descriptors and threads: True\n"
    assert [text for _level, text in native(log)] == ["round 0", "round 1", "round 2"]


def test_the_ui_still_has_a_terminal(tmp_path: Path) -> None:
    """On a real terminal the rebound streams are still ttys (Textual needs that),
    while descriptor 1 is the pipe to the log."""
    log = tmp_path / "linda.log"
    controller, terminal = pty.openpty()
    try:
        done = run_child(GO_LIKE, log, stdin=terminal, stdout=terminal, stderr=terminal)
        os.close(terminal)
        terminal = -1
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child side is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    screen = seen.decode().replace("\r\n", "\n")
    assert done.returncode == 0, screen
    assert "tty True True False" in screen
    assert "python stdout" in screen and "textual writes here" in screen
    assert "Press Ctrl+C" not in screen and "SendMessage" not in screen
    assert "child out" not in screen
    assert ("INFO", "Press Ctrl+C to exit") in native(log)


def test_lines_are_split_capped_and_a_partial_line_waits() -> None:
    buffer = bytearray(b"one\r\ntwo\npart")
    assert split_native_lines(buffer) == [b"one\r", b"two"]
    assert buffer == b"part"
    buffer += b"ial\n"
    assert split_native_lines(buffer) == [b"partial"]
    assert buffer == b""
    buffer += b"no newline yet"
    assert split_native_lines(buffer) == []
    assert split_native_lines(buffer, final=True) == [b"no newline yet"]
    assert buffer == b""


def test_a_long_line_is_cut_between_characters_and_nothing_is_lost() -> None:
    text = ("é" * (MAX_LINE_BYTES // 2 - 1) + "aé" + "z" * 10).encode()  # 'é' is 2 bytes
    buffer = bytearray(text + b"\nrest")
    pieces = split_native_lines(buffer)
    assert all(len(piece) <= MAX_LINE_BYTES for piece in pieces)
    assert [piece.decode() for piece in pieces]  # every piece is whole characters
    assert b"".join(pieces) == text
    assert buffer == b"rest"
    # a flood without any newline comes out in pieces as it arrives
    flood = bytearray(b"q" * (3 * MAX_LINE_BYTES + 5))
    assert split_native_lines(flood) == [b"q" * MAX_LINE_BYTES] * 3
    assert flood == b"q" * 5


def test_a_line_is_cleaned_for_the_log() -> None:
    assert clean_native_line(b"\x1b[31mred\x1b[0m plain\r") == "red plain"
    assert clean_native_line(b"\x1b]0;title\x07after") == "after"
    assert clean_native_line(b"bad \xff byte\tkept tab") == "bad \ufffd byte\tkept tab"
    assert clean_native_line(b"bell\x07 and nul\x00") == "bell and nul"
    assert clean_native_line(b"   ") == ""
