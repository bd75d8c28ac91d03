"""`linda --demo` as a real process: the one way the end-to-end tests start it.

Every such test runs what an operator types (``python -m linda_tui --demo --data-dir
DATA ...``) with colours off, and reads what it prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

__all__ = ["daytime", "demo_argv", "linda", "pairing", "read_until", "spawn"]


def _environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", **extra}


def local_hour(hour: int) -> dict[str, str]:
    """Settings that put the fleet in a time zone where it is about ``hour`` o'clock now
    (quiet hours are 21:00-09:00 in the fleet's time zone, and CI runs at any hour)."""
    offset = ((hour - datetime.now(UTC).hour + 11) % 24) - 11  # hours east of UTC: -11 to +12
    # Etc/GMT-N is N hours east (the sign is POSIX's, inverted).
    return {"LINDA_TIMEZONE": f"Etc/GMT{-offset:+d}" if offset else "UTC"}


def daytime() -> dict[str, str]:
    """About noon in the fleet's time zone: a campaign at the standard pace sends at once."""
    return local_hour(12)


def nighttime() -> dict[str, str]:
    """About 02:00 in the fleet's time zone: inside the default quiet hours."""
    return local_hour(2)


def demo_argv(data: Path, *args: str) -> list[str]:
    """`linda --demo --data-dir DATA ARGS...` as a process's arguments."""
    return [sys.executable, "-m", "linda_tui", "--demo", "--data-dir", str(data), *args]


def linda(
    data: Path,
    *args: str,
    timeout: float = 120,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `linda --demo --data-dir DATA ARGS...` to its end; stdin is what is typed
    (none: stdin is closed, as under cron); env adds settings (e.g. ``daytime()``)."""
    feed: dict[str, Any] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run(
        demo_argv(data, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_environment(**(env or {})),
        **feed,
    )


def spawn(
    data: Path,
    *args: str,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    columns: int | None = None,
    lines: int | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start `linda --demo --data-dir DATA ARGS...` and leave it running (stdout and
    stderr piped); columns and lines set the terminal size it is told of; env adds
    settings."""
    size = {"COLUMNS": str(columns)} if columns else {}
    size |= {"LINES": str(lines)} if lines else {}
    size |= dict(env or {})
    return subprocess.Popen(
        demo_argv(data, *args),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(**size),
    )


def pairing(data: Path, *args: str, columns: int = 100, lines: int = 40) -> subprocess.Popen[str]:
    """Start `linda pair ARGS...` in a terminal of columns x lines; writing a line to its
    stdin is the simulated phone scanning the code (or typing the phone code)."""
    return spawn(data, "pair", *args, stdin=subprocess.PIPE, columns=columns, lines=lines)


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
