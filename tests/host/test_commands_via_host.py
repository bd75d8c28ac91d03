"""While `linda serve` runs the fleet, the commands go through it and print what they
would print on their own, with the same exit codes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linda_process import linda, pairing, read_until

from .test_serve import first_line, serve


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    proc = serve(data)
    try:
        first_line(proc)
        yield data
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def shape(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """What `status --json` says of each bot, less what moves with time."""
    return [
        (r["id"], r["name"], r["phone"], r["role"], r["state"], r["paired"], sorted(r))
        for r in rows
    ]


def test_status_json_is_the_same_with_and_without_a_host(tmp_path: Path, host: Path) -> None:
    alone = tmp_path / "alone"
    on_its_own = linda(alone, "status", "--json")
    through = linda(host, "status", "--json")
    assert through.returncode == on_its_own.returncode == 0, through.stderr
    assert shape(json.loads(through.stdout)) == shape(json.loads(on_its_own.stdout))


def test_send_goes_through_the_host_and_its_network(host: Path) -> None:
    proc = linda(host, "send", "--to", "+971501234567", "--bot", "demo-main", "via the host")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sent ") and "from demo-main to +971501234567" in proc.stdout
    lines = (host / "simulated-network.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["text"] == "via the host"
    # The same refusals and exit codes as without a host:
    again = linda(host, "send", "--to", "+971501234567", "--bot", "demo-main", "via the host")
    assert again.returncode == 1 and "same text" in again.stderr
    unknown = linda(host, "send", "--to", "+971501234567", "--bot", "nobody", "x")
    assert unknown.returncode == 2
    offline = linda(host, "send", "--to", "+971501234567", "--bot", "demo-sales", "x")
    assert offline.returncode == 1 and "not paired" in offline.stderr


def test_pair_and_logout_through_the_host(host: Path) -> None:
    proc = pairing(host, "demo-sales")
    try:
        out = read_until(proc, "press Enter")  # the QR code, drawn in this terminal
        assert "Linked devices" in out and ("▀" in out or "█" in out)
        assert proc.stdin is not None
        proc.stdin.write("\n")  # the host's simulated phone scans it
        proc.stdin.flush()
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "paired demo-sales" in stdout
    deadline = time.monotonic() + 20
    state = ""
    while state != "online" and time.monotonic() < deadline:  # linking, then connecting
        status = json.loads(linda(host, "status", "--json", "--exit-zero").stdout)
        state = {r["id"]: r["state"] for r in status}["demo-sales"]
    assert state == "online"
    out = linda(host, "logout", "demo-sales", "--yes")
    assert out.returncode == 0, out.stderr
    assert "logged out demo-sales" in out.stdout
