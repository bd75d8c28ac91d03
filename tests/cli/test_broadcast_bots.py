"""A campaign is planned only over bots that can send, and says so when none can:
`create` shows it (and still saves the campaign, which waits for a bot), `run` refuses
in one line instead of waiting forever. In the demo, demo-sales starts unpaired."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from linda_process import daytime, linda, nighttime

NUMBERS = ["--to", "+971501234571", "--to", "+971501234572", "--to", "+971501234573"]


def create(data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return linda(
        data, "broadcast", "create", "--name", "Open house", *NUMBERS,
        "--template", "Open house on Saturday", "--pace", "demo-fast", *extra,
    )  # fmt: skip


def test_the_plan_leaves_out_a_bot_that_is_not_paired(tmp_path: Path) -> None:
    result = create(tmp_path / "data", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert "demo-sales" not in plan["per_bot"] and sum(plan["per_bot"].values()) == 3
    assert plan["unusable"] == {"demo-sales": "not paired"} and plan["waiting"] is None
    assert {item["bot"] for item in plan["preview"]} <= {"demo-main", "demo-support"}


def test_no_chosen_bot_able_to_send_is_said_and_run_refuses_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    dry = create(data, "--bots", "demo-sales", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "plan: demo-sales none (not paired)" in dry.stdout
    assert "estimated finish: -" in dry.stdout
    assert "warning: no chosen bot can send (demo-sales not paired)" in dry.stderr

    made = create(data, "--bots", "demo-sales", "--json")
    assert made.returncode == 0, made.stderr
    document = json.loads(made.stdout)
    assert document["recipients"] == 3 and document["waiting"].startswith("no chosen bot")

    run = linda(data, "broadcast", "run", str(document["id"]))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith(f"linda: campaign {document['id']} cannot run: no bot of it can send")
    assert "demo-sales not paired" in line and "pair demo-sales" in line
    shown = json.loads(linda(data, "broadcast", "show", str(document["id"]), "--json").stdout)
    assert shown["status"] == "draft"  # untouched: it runs once a bot is paired
    assert (
        not (data / "simulated-network.jsonl").exists()
        or not (data / "simulated-network.jsonl").read_text()
    )


def test_a_plan_made_at_night_says_when_its_first_message_goes(tmp_path: Path) -> None:
    """At 02:00 in the fleet's time zone the standard pace holds a campaign until the
    quiet hours end: the plan says when its first message goes, and why not sooner; at
    noon it says nothing of the kind (the first message goes at once)."""
    data = tmp_path / "data"
    args = ("broadcast", "create", "--name", "Night", *NUMBERS, "--template", "Hi", "--dry-run")
    night = linda(data, *args, env=nighttime())
    assert night.returncode == 0, night.stderr
    assert " 09:00 (held until then: quiet hours (21:00-09:00))" in night.stdout, night.stdout
    [line] = [line for line in night.stdout.splitlines() if "first message:" in line]
    assert line.startswith("  first message: ")
    plan = json.loads(linda(data, *args, "--json", env=nighttime()).stdout)
    assert plan["first_send_held_by"] == "quiet hours (21:00-09:00)"
    assert plan["first_send_at"].endswith(("T09:00:00+00:00", ":00:00+00:00"))

    noon = linda(data, *args, env=daytime())
    assert noon.returncode == 0, noon.stderr
    assert "first message:" not in noon.stdout, noon.stdout
    plan = json.loads(linda(data, *args, "--json", env=daytime()).stdout)
    assert plan["first_send_held_by"] is None


def test_a_plan_with_a_start_time_says_the_start_time_holds_it(tmp_path: Path) -> None:
    """--start-at holds the first message: the plan said nothing of it (it was asked
    when the first message goes from the start time itself, where nothing holds it)."""
    data = tmp_path / "data"
    args = ("broadcast", "create", "--name", "Later", *NUMBERS, "--template", "Hi")
    plan = json.loads(
        linda(data, *args, "--start-at", "15:30", "--dry-run", "--json", env=daytime()).stdout
    )
    assert plan["first_send_held_by"] == "the campaign's start time"
    assert plan["first_send_at"].endswith(":30:00+00:00")  # in UTC
    text = linda(data, *args, "--start-at", "15:30", "--dry-run", env=daytime()).stdout
    assert " 15:30 (held until then: the campaign's start time)" in text, text
