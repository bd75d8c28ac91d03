"""`linda send` never hands a message to WhatsApp that the store could not record first."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from linda_process import linda


def network_log(data: Path) -> list[dict[str, str]]:
    path = data / "simulated-network.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_send_with_the_store_locked_by_another_program_sends_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = linda(data, "send", "--to", "+971501234567", "first")  # creates the store
    assert first.returncode == 0, first.stderr
    assert [line["text"] for line in network_log(data)] == ["first"]

    # A `sqlite3 linda.db` shell in the middle of a write holds the lock for longer
    # than Linda's busy timeout.
    shell = sqlite3.connect(data / "linda.db", isolation_level=None)
    try:
        shell.execute("BEGIN IMMEDIATE")
        proc = linda(data, "send", "--to", "+971501234567", "Viewing at 5pm, unit 1")
    finally:
        shell.execute("ROLLBACK")
        shell.close()
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    # Refused at the store's opening, or at the message's intent: either way, one line.
    assert "locked" in line and ("nothing was sent" in line or "try again" in line)
    assert [line["text"] for line in network_log(data)] == ["first"]  # not handed over

    # Once the other program lets go, the same command sends it, once.
    again = linda(data, "send", "--to", "+971501234567", "Viewing at 5pm, unit 1")
    assert again.returncode == 0, again.stderr
    assert [line["text"] for line in network_log(data)] == ["first", "Viewing at 5pm, unit 1"]
