"""redirect_native_stdio: what the Go core writes straight to file descriptors 1 and 2
goes to the log file; Python's print() and the UI keep the terminal. Run in child
processes, since descriptors 1 and 2 are process-wide."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import os, sys
from linda_tui.whatsapp.stdio_redirect import redirect_native_stdio

print("before", flush=True)
with redirect_native_stdio(sys.argv[1]):
    os.write(1, b"Press Ctrl+C to exit\n")          # what Go's fmt.Println does
    os.write(2, b"SendMessage: Error sending message\n")
    print("python stdout")
    print("python stderr", file=sys.stderr)
    print("textual writes here", file=sys.__stderr__)
    sys.stdout.flush()
    print("tty", sys.__stderr__.isatty(), sys.__stdout__.isatty(), os.isatty(1), file=sys.stderr)
os.write(1, b"after, fd 1 is the terminal again\n")
print("after print", flush=True)
"""


def run_child(log: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(log)], text=True, timeout=60, check=True, **kwargs
    )


def test_native_writes_go_to_the_log_python_output_stays(tmp_path: Path) -> None:
    log = tmp_path / "linda.log"
    done = run_child(log, capture_output=True)
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
    assert log.read_text().splitlines() == [
        "Press Ctrl+C to exit",
        "SendMessage: Error sending message",
    ]
    assert os.stat(log).st_mode & 0o777 == 0o600


def test_the_ui_still_has_a_terminal(tmp_path: Path) -> None:
    """On a real terminal the rebound streams are still ttys (Textual needs that),
    while descriptor 1 is the log."""
    log = tmp_path / "linda.log"
    controller, terminal = pty.openpty()
    try:
        run_child(log, stdin=terminal, stdout=terminal, stderr=terminal)
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
    assert "tty True True False" in screen
    assert "python stdout" in screen and "textual writes here" in screen
    assert "Press Ctrl+C" not in screen and "SendMessage" not in screen
    assert "Press Ctrl+C to exit" in log.read_text()
