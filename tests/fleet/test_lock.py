"""One Linda per sessions folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from linda_tui.fleet.lock import AlreadyRunningError, InstanceLock


def test_second_instance_is_refused_with_the_pid(tmp_path: Path) -> None:
    with InstanceLock(tmp_path):
        with pytest.raises(AlreadyRunningError, match=rf"already running \(pid {os.getpid()}\)"):
            InstanceLock(tmp_path).acquire()
    InstanceLock(tmp_path).acquire()  # released: free again


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from linda_tui.fleet.lock import InstanceLock;"
        f"l = InstanceLock(Path({str(tmp_path)!r})); l.acquire(); print('locked', flush=True);"
        "sys.stdin.readline()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunningError, match=rf"pid {proc.pid}"):
            InstanceLock(tmp_path).acquire()
    finally:
        proc.communicate("\n", timeout=10)
    InstanceLock(tmp_path).acquire()  # a dead holder leaves no stale lock
    assert oct((tmp_path / ".linda.lock").stat().st_mode & 0o777) == "0o600"


def test_the_pid_shown_is_the_holders_even_over_a_longer_one_left_behind(
    tmp_path: Path,
) -> None:
    (tmp_path / ".linda.lock").write_text("4194303999\n")  # an earlier holder's pid
    with InstanceLock(tmp_path):
        with pytest.raises(AlreadyRunningError, match=rf"\(pid {os.getpid()}\) on "):
            InstanceLock(tmp_path).acquire()
