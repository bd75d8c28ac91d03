"""`linda broadcast show` and `list` after Linda stopped mid-campaign (kill -9): they
only read the store, and say that nothing runs rather than "running · sending 1"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from linda_process import linda
from linda_tui.models import CampaignStatus
from linda_tui.store.sqlite import SQLiteStore

NUMBERS = ["+971501234567", "+971501234568", "+971501234569"]


async def left_by_a_kill(data: Path) -> None:
    """What a kill -9 of `linda broadcast run 1` between a claim and its send leaves:
    the campaign running, one recipient sending (with its bot), no Linda."""
    created = linda(
        data, "broadcast", "create", "--name", "Offer", "--to", NUMBERS[0], "--to",
        NUMBERS[1], "--to", NUMBERS[2], "--template", "Hello {name|there}",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    now = datetime.now(UTC)
    async with SQLiteStore(data / "linda.db") as store:
        assert await store.set_campaign_status(1, CampaignStatus.RUNNING, now) is not None
        claim = await store.claim_recipient(1, NUMBERS[1], "demo-main", now)
        assert claim.message is not None


async def test_show_after_a_kill_says_it_resumes_and_counts_the_one_in_flight_uncertain(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    await left_by_a_kill(data)

    shown = linda(data, "broadcast", "show", "1")
    assert shown.returncode == 0, shown.stderr
    first, counts = shown.stdout.splitlines()[:2]
    assert first.startswith(
        "Campaign 1: Offer — was running when Linda stopped; it resumes when Linda starts again"
    )
    assert "sending 0" in counts and "uncertain 1" in counts and "pending 2" in counts
    assert NUMBERS[1] in shown.stdout  # listed among the uncertain, with how to resolve

    as_json = linda(data, "broadcast", "show", "1", "--json")
    document = json.loads(as_json.stdout)
    assert document["status"] == "running" and document["running_now"] is False
    assert document["counts"]["sending"] == 0 and document["counts"]["uncertain"] == 1
    assert sum(document["counts"].values()) == len(NUMBERS)
    assert document["uncertain"] == [NUMBERS[1]]

    listed = linda(data, "broadcast", "list")
    assert listed.returncode == 0, listed.stderr
    assert "stopped" in listed.stdout and "1 uncertain" in listed.stdout
    rows = json.loads(linda(data, "broadcast", "list", "--json").stdout)
    assert rows[0]["running_now"] is False and rows[0]["counts"]["uncertain"] == 1

    # Only read: the store still holds what the kill left, for the next start to mark.
    async with SQLiteStore(data / "linda.db") as store:
        counts_stored = await store.count_recipients(1)
    assert counts_stored.get("sending", 0) == 1


def test_show_of_a_campaign_that_never_ran_is_unchanged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = linda(
        data, "broadcast", "create", "--name", "Draft", "--to", NUMBERS[0],
        "--template", "Hello",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert document["status"] == "draft" and document["running_now"] is False
    assert document["counts"]["pending"] == 1 and document["uncertain"] == []
    shown = linda(data, "broadcast", "show", "1")
    assert shown.stdout.startswith("Campaign 1: Draft — draft")


async def test_with_a_linda_hosting_the_folder_its_campaigns_are_running_now(
    tmp_path: Path,
) -> None:
    """A host answers on the data folder: what the store says sending is in flight."""
    from types import SimpleNamespace

    from linda_tui.cli.broadcast_cmd import _no_linda_runs
    from linda_tui.clock import SystemClock
    from linda_tui.config import demo_fleet, sqlite_url
    from linda_tui.host.server import HostServer
    from linda_tui.services import Services
    from linda_tui.whatsapp.simulated import SimulatedNetwork

    sessions = tmp_path / "sessions"
    runtime = SimpleNamespace(sessions_dir=sessions)
    assert await _no_linda_runs(runtime)  # type: ignore[arg-type]
    network = SimulatedNetwork(tmp_path / "demo", seed=7, speed=200, paired=(), reply_rate=0)
    services = Services.build(
        demo_fleet(), store_url=sqlite_url(tmp_path / "linda.db"), sessions_dir=sessions,
        data_dir=tmp_path / "demo", demo=True, clock=SystemClock(), network=network,
    )  # fmt: skip
    services.add(HostServer(services, sessions))
    async with services:
        assert not await _no_linda_runs(runtime)  # type: ignore[arg-type]
    assert await _no_linda_runs(runtime)  # type: ignore[arg-type]


async def test_what_show_lists_as_uncertain_can_be_resolved_with_no_linda_running(
    tmp_path: Path,
) -> None:
    """`show` lists the one left sending as uncertain: `resolve` decides for it at once,
    without first starting a Linda to mark it."""
    data = tmp_path / "data"
    await left_by_a_kill(data)
    resolved = linda(data, "broadcast", "resolve", "1", "--resend", NUMBERS[1])
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.strip() == "1 recipient will be sent again"
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert document["counts"]["uncertain"] == 0 and document["counts"]["pending"] == 3
    # The lock was given back: a Linda starts on the folder afterwards.
    assert linda(data, "status", "--wait", "1").returncode in (0, 3)


async def test_a_cancelled_campaign_skips_who_was_left_and_resends_nobody(
    tmp_path: Path,
) -> None:
    """Cancelled after a kill: the two never sent are skipped ("campaign cancelled"),
    not pending for ever; the uncertain one cannot be resent (the campaign sends nothing
    more), only marked sent."""
    data = tmp_path / "data"
    await left_by_a_kill(data)
    cancelled = linda(data, "broadcast", "cancel", "1", "--yes")
    assert cancelled.returncode == 0, cancelled.stderr
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert document["status"] == "cancelled"
    assert (document["counts"]["pending"], document["counts"]["skipped"]) == (0, 2)

    shown = linda(data, "broadcast", "show", "1").stdout
    assert "resolve 1 --mark-sent --all-uncertain" in shown and "--resend" not in shown
    resend = linda(data, "broadcast", "resolve", "1", "--resend", "--all-uncertain")
    assert resend.returncode == 1
    assert resend.stderr.strip() == (
        "linda: campaign 1 was cancelled and sends nothing more — mark them sent "
        "if they got the message, or put them in a new campaign"
    )
    before = tmp_path / "before.csv"
    assert linda(data, "broadcast", "export", "1", "--csv", str(before)).returncode == 0
    [in_flight] = [r for r in before.read_text(encoding="utf-8").splitlines() if ",uncertain," in r]
    assert "it may have been sent" in in_flight and "resend" not in in_flight
    marked = linda(data, "broadcast", "resolve", "1", "--mark-sent", "--all-uncertain")
    assert marked.returncode == 0, marked.stderr
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert (document["counts"]["sent"], document["counts"]["skipped"]) == (1, 2)

    exported = tmp_path / "out.csv"
    assert linda(data, "broadcast", "export", "1", "--csv", str(exported)).returncode == 0
    rows = exported.read_text(encoding="utf-8").splitlines()[1:]
    skipped = sorted(row.split(",")[0] for row in rows if ",skipped,,campaign cancelled," in row)
    assert skipped == [NUMBERS[0], NUMBERS[2]]


async def test_resending_for_a_done_campaign_with_no_linda_running_makes_it_run_again(
    tmp_path: Path,
) -> None:
    """It stayed done with a pending recipient nothing would ever send (and pause and
    cancel refused a done campaign): like the host's resolve, it runs again, so the next
    Linda resumes it and the recipient is sent to once."""
    data = tmp_path / "data"
    created = linda(
        data, "broadcast", "create", "--name", "Once", "--to", NUMBERS[0], "--template", "Hi"
    )
    assert created.returncode == 0, created.stderr
    now = datetime.now(UTC)
    async with SQLiteStore(data / "linda.db") as store:
        await store.set_campaign_status(1, CampaignStatus.RUNNING, now)
        claim = await store.claim_recipient(1, NUMBERS[0], "demo-main", now)
        assert claim.message is not None
        await store.mark_in_flight_uncertain(1, now)
        assert await store.set_campaign_status(1, CampaignStatus.DONE, now) is not None
    resolved = linda(data, "broadcast", "resolve", "1", "--resend", NUMBERS[0])
    assert resolved.returncode == 0, resolved.stderr
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert document["status"] == "running" and document["counts"]["pending"] == 1
    assert "stopped" in linda(data, "broadcast", "list").stdout
    ran = linda(data, "broadcast", "run", "1")
    assert ran.returncode == 0, ran.stderr
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert document["status"] == "done" and document["counts"]["pending"] == 0
    sent = (data / "simulated-network.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["to"] for line in sent] == [NUMBERS[0]]


def test_sigterm_on_a_foreground_run_leaves_the_campaign_to_resume(tmp_path: Path) -> None:
    """systemctl stop, a reboot or `timeout` send SIGTERM: Linda stops as `serve` and
    the console do, and the campaign is left running to resume at the next start (it
    was paused, as for ctrl+c, and then never resumed by itself)."""
    import signal
    import time

    from linda_process import daytime, spawn

    data = tmp_path / "data"
    numbers = [f"+9715012{n:05d}" for n in range(40)]
    created = linda(
        data, "broadcast", "create", "--name", "Long", "--template", "Hi",
        *[arg for number in numbers for arg in ("--to", number)],
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    run = spawn(data, "broadcast", "run", "1", env=daytime())  # 30-60 s between messages
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the first message has gone
            sent = data / "simulated-network.jsonl"
            if sent.exists() and sent.read_text(encoding="utf-8").strip():
                break
            time.sleep(0.1)
        run.send_signal(signal.SIGTERM)
        _out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 143, err
    assert "stopped (SIGTERM): campaign 1 was left running" in err
    document = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert document["status"] == "running" and document["running_now"] is False
