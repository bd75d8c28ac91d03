"""A real terminal for end-to-end tests: the console runs in a tmux pane on a private
tmux server; keys go in with send-keys, the screen comes back with capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

EXIT_MARK = "__LINDA_EXITED__"


def linda_command() -> list[str]:
    """The installed ``linda`` script of this environment (what ``uv run linda`` runs)."""
    script = Path(sys.executable).with_name("linda")
    if script.exists():
        return [str(script)]
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("neither the linda script nor uv is available")
    return [uv, "run", "linda"]


class TmuxTerminal:
    """One tmux session running one command; everything is bounded in time."""

    def __init__(self, size: tuple[int, int] = (100, 32)) -> None:
        self.socket = f"linda-test-{uuid.uuid4().hex[:10]}"
        self.size = size
        self.started_at = 0.0

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def start(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        """Run argv in a clean environment (only ``env`` plus the basics)."""
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**base, **env}.items())
        command = (
            f"cd {shlex.quote(str(cwd))} && env -i {assignments} "
            f"{shlex.join(argv)}; echo {EXIT_MARK} $?; sleep 600"
        )
        width, height = self.size
        self._tmux("new-session", "-d", "-s", "linda", "-x", str(width), "-y", str(height), command)
        self.started_at = time.monotonic()

    def allow_clipboard_writes(self) -> None:
        """Let programs set tmux's paste buffers with OSC 52, as many terminals let them
        set the clipboard: ``buffers()`` then shows whatever got through."""
        self._tmux("set-option", "-g", "set-clipboard", "on")

    def buffers(self) -> str:
        """tmux's paste buffers (what an OSC 52 sequence that reached the terminal set)."""
        return self._tmux("list-buffers")

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "linda")

    def press(self, *keys: str) -> None:
        """tmux key names (Tab, Escape, C-s, q...), one at a time, as a person types."""
        for key in keys:
            self._tmux("send-keys", "-t", "linda", key)
            time.sleep(0.15)

    def send_together(self, *keys: str) -> None:
        """Keys and text in ONE send-keys call: they reach the program in one burst, as
        on a laggy SSH link or a paste (a word that is no key name goes as text)."""
        self._tmux("send-keys", "-t", "linda", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "linda", "-l", text)
        time.sleep(0.3)

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        """Poll the screen until one of texts shows; fail with the screen if it never does."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if any(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"none of {texts!r} appeared within {timeout} s; screen:\n{screen}")

    def wait_exit(self, timeout: float) -> tuple[int, float]:
        """(exit status, seconds it took from now) once the command has ended."""
        start = time.monotonic()
        screen = self.wait_for(EXIT_MARK, timeout=timeout)
        took = time.monotonic() - start
        line = next(line for line in screen.splitlines() if EXIT_MARK in line)
        return int(line.split(EXIT_MARK, 1)[1].split()[0]), took

    def kill_session(self) -> None:
        """Close the session's terminal, as closing its window does (the program in it
        gets SIGHUP); the tmux server stays."""
        self._tmux("kill-session", "-t", "linda")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)
