"""The broadcast commands' arguments and outcomes, as real processes on the demo: a far
--start-at, `run` on a finished campaign, export targets, and how the audience's
messages name the place of a bad number."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from linda_process import demo_argv, linda

DRY_RUN = ("broadcast", "create", "--name", "x", "--to", "+971501234567", "--template", "hi",
           "--dry-run")  # fmt: skip


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr and "unexpected error" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    return line


# --- --start-at ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_at", "said"),
    [
        ("9999-12-31 23:59", "is more than 366 days away — give a time within a year"),
        ("9999-12-31T23:59-12:00", "is more than 366 days away"),  # year 10000 in UTC
        ("9999-12-31T23:59+14:00", "is more than 366 days away"),
        ("2062-01-01 09:00", "is more than 366 days away"),  # a typo for 2026
        ("0001-01-01T00:00+14:00", "is in the past"),  # before the year 1 in UTC
        ("0001-01-01 00:00", "is in the past"),
        ("24:00", "is not a time"),
    ],
)
def test_a_start_time_out_of_range_is_one_line_and_exit_2(
    tmp_path: Path, start_at: str, said: str
) -> None:
    proc = linda(tmp_path / "data", *DRY_RUN, "--start-at", start_at)
    assert proc.returncode == 2, proc.stderr
    line = one_line(proc)
    assert line.startswith(f"linda: --start-at '{start_at}' ") and said in line, line


# --- run on a finished campaign --------------------------------------------------------------


def test_run_on_a_done_campaign_exits_0_and_a_cancelled_one_exits_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create = ("broadcast", "create", "--to", "+971501234567", "--pace", "demo-fast")
    assert linda(data, *create, "--name", "a", "--template", "hi").returncode == 0
    first = linda(data, "broadcast", "run", "1")
    assert first.returncode == 0, first.stderr

    again = linda(data, "broadcast", "run", "1")  # a script's "run until 0" after a crash
    assert again.returncode == 0, again.stderr
    assert one_line(again) == (
        "campaign 1 is already done — nothing left to send "
        "(1 sent · 0 failed · 0 skipped · 0 uncertain)"
    )
    document = json.loads(linda(data, "broadcast", "run", "1", "--json").stdout)
    assert document["status"] == "done" and document["counts"]["sent"] == 1
    sent = (data / "simulated-network.jsonl").read_text().splitlines()
    assert len(sent) == 1  # nobody was messaged again

    assert linda(data, *create, "--name", "b", "--template", "other").returncode == 0
    assert linda(data, "broadcast", "cancel", "2", "--yes").returncode == 0
    cancelled = linda(data, "broadcast", "run", "2")
    assert cancelled.returncode == 1
    assert one_line(cancelled).startswith("linda: campaign 2 was cancelled — ")


# --- export targets --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("export") / "data"
    made = linda(
        data, "broadcast", "create", "--name", "x", "--to", "+971501234567", "--to",
        "+971501234568", "--template", "hi",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return data


def test_export_to_dash_writes_standard_output_and_no_file(campaign: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [*demo_argv(campaign), "broadcast", "export", "1", "--csv", "-"],
        capture_output=True, cwd=tmp_path, timeout=120, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"), newline="")))
    assert [row["phone"] for row in rows] == ["+971501234567", "+971501234568"]
    assert proc.stderr.decode().strip() == "wrote 2 recipients to standard output"
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    helped = linda(campaign, "broadcast", "export", "--help")
    assert "- for standard output" in " ".join(helped.stdout.split())


def test_export_targets_that_cannot_be_a_new_file_say_what_they_are(
    campaign: Path, tmp_path: Path
) -> None:
    (tmp_path / "old.csv").write_text("keep me")
    (tmp_path / "folder").mkdir()
    (tmp_path / "link.csv").symlink_to(tmp_path / "old.csv")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nothing.csv")
    os.mkfifo(tmp_path / "fifo.csv")
    expected = {
        "": "linda: --csv is empty — give the name of a new file to write, or - for standard "
        "output",
        str(tmp_path / "old.csv"): "old.csv exists already (the export never overwrites a "
        "file) — choose a new file name",
        str(tmp_path / "folder"): "folder is a folder — give a file name inside it, e.g. ",
        str(tmp_path / "link.csv"): "link.csv is a symbolic link",
        str(tmp_path / "dangling.csv"): "dangling.csv is a symbolic link",
        str(tmp_path / "fifo.csv"): "fifo.csv is a named pipe, not a file",
        "/dev/null": "linda: /dev/null is a device, not a file — choose a new file name",
    }
    for target, said in expected.items():
        proc = linda(campaign, "broadcast", "export", "1", "--csv", target)
        assert proc.returncode == 2, (target, proc.stderr)
        line = one_line(proc)
        assert said in line and "exists already" not in line.replace(said, ""), line
    assert (tmp_path / "old.csv").read_text() == "keep me"
    assert not (tmp_path / "nothing.csv").exists()


# --- audience messages -----------------------------------------------------------------------


def test_to_numbers_are_named_the_same_way_in_the_listing_and_the_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    listed = linda(
        data, "broadcast", "create", "--name", "x", "--to", "+971501234567", "--to", "12",
        "--template", "hi", "--dry-run",
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "  skipped --to number 2: " in listed.stdout
    failed = linda(
        data, "broadcast", "create", "--name", "x", "--to", "12", "--template", "hi", "--dry-run"
    )
    assert failed.returncode == 2
    line = one_line(failed)
    assert "(1 invalid: --to number 1: " in line
    assert "line" not in line and "argument" not in line and "--phone-column" not in line


def test_no_audience_or_two_say_which(tmp_path: Path) -> None:
    none = linda(tmp_path / "data", "broadcast", "create", "--name", "x", "--template", "hi")
    assert one_line(none).startswith("linda: no recipients given — choose one: --csv FILE")
    two = linda(
        tmp_path / "data", "broadcast", "create", "--name", "x", "--template", "hi",
        "--to", "+971501234567", "--all-contacts",
    )  # fmt: skip
    assert one_line(two).startswith("linda: recipients from more than one source given")


def test_every_contact_before_any_sync_says_to_sync(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for source in (("--all-contacts",), ("--query", "ahmed"), ("--label", "VIP")):
        proc = linda(
            data, "broadcast", "create", "--name", "x", *source, "--template", "hi", "--dry-run"
        )
        assert proc.returncode == 2
        assert one_line(proc) == (
            "linda: no contacts are synced yet — "
            f"`linda --demo --data-dir {data} sync` fetches them from Google Contacts"
        )


def test_hostile_column_names_are_escaped_once(tmp_path: Path) -> None:
    source = tmp_path / "h.csv"
    source.write_text("na\x1b]52,city\nAhmed,Dubai\n")
    proc = linda(
        tmp_path / "data", "broadcast", "create", "--name", "x", "--csv", str(source),
        "--template", "hi", "--dry-run",
    )  # fmt: skip
    assert proc.returncode == 2
    line = one_line(proc)
    assert "(its columns: 'na\\x1b]52', 'city')" in line and "\\\\" not in line


@pytest.mark.parametrize("bots", ["", " ", ",", " , "])
def test_bots_naming_no_bot_is_refused_not_read_as_all(tmp_path: Path, bots: str) -> None:
    """`--bots ''` (an unset variable in a script) named no bot: it sent from every bot."""
    proc = linda(tmp_path / "data", *DRY_RUN, "--bots", bots)
    assert proc.returncode == 2
    assert one_line(proc).endswith(
        "use ids from bots.yaml (enabled: demo-main, demo-sales, demo-support) or all"
    )


# --- counts --------------------------------------------------------------------------------


def test_counts_in_the_plan_list_and_show_have_thousands_separators(tmp_path: Path) -> None:
    """2,400 numbers (2 invalid): every count an operator reads is grouped, as the
    console writes them."""
    numbers = tmp_path / "numbers.txt"
    lines = [f"+9715012{n:05d}" for n in range(2_400)] + ["12", "abc"]
    numbers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    created = linda(
        data, "broadcast", "create", "--name", "Big", "--to-file", str(numbers),
        "--template", "Hello", "--bots", "demo-main,demo-support",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "  to send: 2,400 (left out: 2 invalid)" in created.stdout
    assert "demo-main 1,200, demo-support 1,200" in created.stdout
    listed = linda(data, "broadcast", "list")
    assert "0/2,400 sent" in listed.stdout
    shown = linda(data, "broadcast", "show", "1")
    assert "pending 2,400 · sending 0" in shown.stdout
