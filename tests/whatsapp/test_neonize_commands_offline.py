"""The real fleet on this offline machine: `linda status` and `linda send` with real
neonize clients must report the network error — no hang, no crash, no traceback, and
no Go output mixed into what the command prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

BOTS_YAML = """\
bots:
  - id: main
    name: Main office
    phone: "+971501234561"
    role: primary
  - id: agent
    name: Agent
    phone: "+971501234562"
"""


@pytest.fixture
def real_fleet(
    tmp_path: Path, neonize_paired_session: Callable[[str], Path]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    (tmp_path / "bots.yaml").write_text(BOTS_YAML, encoding="utf-8")
    data = tmp_path / "data"
    session = neonize_paired_session("main")
    data.mkdir()
    session.parent.rename(data / "sessions")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINDA_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "linda_tui",
                "--config",
                str(tmp_path / "bots.yaml"),
                "--data-dir",
                str(data),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
        )

    return run


def test_status_offline_reports_reconnecting_with_the_network_error(
    real_fleet: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    proc = real_fleet("status", "--json", "--wait", "6")
    assert proc.returncode == 4, proc.stderr  # no bot online
    assert "Traceback" not in proc.stderr
    rows = {row["id"]: row for row in json.loads(proc.stdout)}  # nothing else on stdout
    assert rows["main"]["state"] == "reconnecting"
    assert "reconnecting in" in rows["main"]["last_error"]
    assert "dial" in rows["main"]["last_error"] or "reach" in rows["main"]["last_error"]
    assert rows["agent"]["state"] == "not-paired"


def test_send_offline_says_the_bot_is_not_online(
    real_fleet: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    proc = real_fleet("send", "--to", "+971501234567", "--bot", "main", "--wait", "3", "Hello")
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert "bot main is not online (reconnecting: reconnecting in" in line
    assert line.endswith("— try again when it is, or send with --bot auto")
    assert proc.stdout == ""


def test_status_table_says_whatsapp_cannot_be_reached(
    real_fleet: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    proc = real_fleet("status", "--wait", "3")
    assert proc.returncode == 4, proc.stderr  # no bot online
    assert "WhatsApp: cannot reach" in proc.stdout
    assert "no WhatsApp session yet" in proc.stdout
