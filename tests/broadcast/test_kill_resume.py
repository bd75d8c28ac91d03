"""kill -9 at random moments of `linda --demo broadcast run`, resuming each time: nobody
messaged twice, nobody forgotten, the in-flight ones reported uncertain.

The simulated network writes each accepted message to simulated-network.jsonl before
it acknowledges the send (as a real network already has a message it acknowledged), so
that file is what WhatsApp received, and the store must agree with it.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from linda_process import demo_argv, linda

RECIPIENTS = 6000
KILLS = 22


def lines_sent(data: Path) -> int:
    path = data / "simulated-network.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def network_log(data: Path) -> list[dict[str, str]]:
    path = data / "simulated-network.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def test_kill_9_at_random_moments_never_sends_twice_nor_forgets_anyone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    numbers = tmp_path / "numbers.txt"
    numbers.write_text(
        "\n".join(f"+97150{n:07d}" for n in range(1_000_000, 1_000_000 + RECIPIENTS)) + "\n"
    )
    created = linda(
        data,
        "broadcast", "create", "--name", "Durable", "--to-file", str(numbers),
        "--template", "Viewing times this week, ref {ref|A1}", "--pace", "demo-fast", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    campaign = json.loads(created.stdout)["id"]

    rng = random.Random(20261130)
    moments = []
    for _ in range(KILLS):
        before = lines_sent(data)
        proc = subprocess.Popen(
            demo_argv(data, "broadcast", "run", str(campaign)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
        # Once this run is sending, kill it at a random moment of its sending.
        deadline = time.monotonic() + 60
        while lines_sent(data) == before and time.monotonic() < deadline:
            time.sleep(0.005)
        assert lines_sent(data) > before, "the run never sent anything"
        moment = rng.uniform(0.0, 0.2)
        moments.append(moment)
        time.sleep(moment)
        proc.kill()  # SIGKILL: no clean-up of any kind
        proc.wait()
    assert lines_sent(data) < RECIPIENTS  # every kill came mid-campaign

    last = linda(data, "broadcast", "run", str(campaign), "--json", timeout=300)
    assert last.returncode == 0, last.stderr
    assert json.loads(last.stdout)["status"] == "done"

    sent = network_log(data)
    per_number = Counter(line["to"] for line in sent)
    assert max(per_number.values()) == 1, "somebody was messaged twice"

    db = sqlite3.connect(data / "linda.db")
    rows = db.execute(
        """SELECT r.phone, r.status, m.wa_id, r.reason FROM recipients AS r
        LEFT JOIN messages AS m ON m.id = r.message_id WHERE r.campaign_id = ?""",
        (campaign,),
    ).fetchall()
    db.close()
    assert len(rows) == RECIPIENTS  # everyone accounted for
    by_state = Counter(status for _phone, status, _wa, _why in rows)
    assert by_state.keys() <= {"sent", "uncertain", "failed"}, by_state
    wa_of = {line["to"]: line["id"] for line in sent}
    for phone, status, wa_id, why in rows:
        if status == "sent":
            # The store's sent ones are exactly what the network received.
            assert wa_of.get(phone) == wa_id, phone
        elif status == "failed":
            # The simulated network has no WhatsApp account for numbers ending 000.
            assert phone.endswith("000") and "not on WhatsApp" in why, (phone, why)
            assert phone not in per_number
        else:
            # In flight when killed: maybe received, never sent a second time.
            assert per_number[phone] <= 1
    assert set(per_number) <= {phone for phone, *_rest in rows}  # nobody else got it
    # A kill between "claimed" and "recorded" leaves an uncertain one: at most one per
    # kill and bot; every other recipient went, or failed for its own reason.
    without_whatsapp = [status for phone, status, *_rest in rows if phone.endswith("000")]
    # Each failed (or, when a kill caught it mid-send, uncertain); never sent.
    assert set(without_whatsapp) <= {"failed", "uncertain"}
    assert by_state["failed"] == without_whatsapp.count("failed")
    assert by_state["uncertain"] <= KILLS * 3
