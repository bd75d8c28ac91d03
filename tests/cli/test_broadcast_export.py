"""`linda broadcast export`: a CSV a spreadsheet opens as text, never as formulas."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path

import pytest

from linda_process import linda
from linda_tui.cli.broadcast_cmd import spreadsheet_cell

HOSTILE_CSV = (
    "phone,name\n"
    '+971501234567,"=HYPERLINK(""http://example.com/x"",""click"")"\n'
    "+971501234568,@SUM(A1:A9)\n"
    '+971501234569,"-2+3"\n'
    '+971501234570,"+971501234567"\n'
    "+971501234571,Plain name\n"
)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "\\x0d=1"),  # a carriage return is escaped: no longer a formula's start
        ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign
        ("+971501234567", "+971501234567"),  # a phone number stays a phone number
        ("+971 50 123 4567", "'+971 50 123 4567"),
        ("Hello =1", "Hello =1"),
        ("", ""),
        ("a\x00b", "a\\x00b"),
        # Controls are escaped: `cat export.csv` must not clear the screen or write the
        # clipboard (OSC 52); bidi overrides must not reorder what the operator reads.
        ("a\x1b[31mb\x07", "a\\x1b[31mb\\x07"),
        ("\x1b]52;c;SGVsbG8=\x07", "\\x1b]52;c;SGVsbG8=\\x07"),
        ("\u202eevil", "\\u202eevil"),
        ("\x9b2J", "\\x9b2J"),
        ("line one\nline two\tx", "line one\nline two\tx"),  # a message's lines stay
    ],
)
def test_a_cell_that_would_be_a_formula_is_text(cell: str, written: str) -> None:
    assert spreadsheet_cell(cell) == written


def test_the_export_of_a_hostile_campaign_has_no_formula_and_no_nul(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "hostile.csv").write_text(HOSTILE_CSV, encoding="utf-8")
    created = linda(
        data, "broadcast", "create", "--name", "=evil", "--csv", str(tmp_path / "hostile.csv"),
        "--template", "{name}",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(data / "linda.db") as db:  # what WhatsApp or a bug could leave
        db.execute(
            "UPDATE recipients SET reason = ?, wa_id = ?, bot_id = ? WHERE phone = ?",
            ("=cmd|' /C calc'!A0", "@wa\x00id", "-bot", "+971501234571"),
        )
    out = tmp_path / "export.csv"
    exported = linda(data, "broadcast", "export", "1", "--csv", str(out))
    assert exported.returncode == 0, exported.stderr
    raw = out.read_bytes()
    assert b"\x00" not in raw
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    text = {row["phone"]: row["text"] for row in rows}
    assert text == {
        "+971501234567": '\'=HYPERLINK("http://example.com/x","click")',
        "+971501234568": "'@SUM(A1:A9)",
        "+971501234569": "'-2+3",
        "+971501234570": "+971501234567",
        "+971501234571": "Plain name",
    }
    [tampered] = [row for row in rows if row["phone"] == "+971501234571"]
    assert (tampered["reason"], tampered["whatsapp_id"], tampered["bot"]) == (
        "'=cmd|' /C calc'!A0",
        "'@wa\\x00id",
        "'-bot",
    )
    for row in rows:
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or cell.startswith("+9715"), row


def test_files_the_operator_names_get_a_fix_that_fits_them(tmp_path: Path) -> None:
    """The fix names what the file is for: a template is shortened, not split; only a
    CSV gets Excel's way to save UTF-8; a missing folder says so."""
    data = tmp_path / "data"
    big = tmp_path / "big.txt"
    big.write_text("x" * (300 * 1024))
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"Hi \xff\xfe there")
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    create = ("broadcast", "create", "--name", "t", "--to", "+971501234567", "--template-file")
    expected = {
        big: "— a template is at most 256 KiB: shorten it",
        binary: "— save it as UTF-8",
        fifo: "— pass a template file",
    }
    for path, fix in expected.items():
        proc = linda(data, *create, str(path))
        assert proc.returncode != 0
        [line] = proc.stderr.strip().splitlines()
        assert line.endswith(fix), line

    (tmp_path / "one.csv").write_text("phone\n+971501234567\n")
    created = linda(
        data, "broadcast", "create", "--name", "t", "--csv", str(tmp_path / "one.csv"),
        "--template", "Hi",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    proc = linda(data, "broadcast", "export", "1", "--csv", str(tmp_path / "no" / "x.csv"))
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith(
        "x.csv: its folder does not exist — create the folder, or choose another path"
    )


def test_list_and_show_print_the_documented_json_with_bots_always_a_list(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    for bots in ("all", "demo-main,demo-support"):
        created = linda(
            data, "broadcast", "create", "--name", f"to {bots}", "--to", "+971501234567",
            "--template", "Hi", "--bots", bots, "--json",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert {"id", "recipients", "skipped"} <= set(json.loads(created.stdout))
    listed = json.loads(linda(data, "broadcast", "list", "--json").stdout)
    shown = [json.loads(linda(data, "broadcast", "show", str(i), "--json").stdout) for i in (1, 2)]
    states = {"pending", "sending", "sent", "delivered", "read", "replied", "failed"}
    for document in [*listed, *shown]:
        assert isinstance(document["bots"], list)
        assert states | {"skipped", "uncertain"} <= set(document["counts"])
    by_id = {d["id"]: d for d in listed}
    assert (by_id[1]["bots"], by_id[1]["all_bots"]) == ([], True)
    assert (by_id[2]["bots"], by_id[2]["all_bots"]) == (["demo-main", "demo-support"], False)
    assert shown[0]["uncertain"] == [] and shown[0]["status"] == "draft"
    assert shown[0]["counts"]["pending"] == 1 and shown[0]["name"] == "to all"


def test_resolve_wants_one_decision_and_says_what_it_did_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = linda(
        data, "broadcast", "create", "--name", "r", "--to", "+971501234567",
        "--to", "+971501234568", "--template", "Hi",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(data / "linda.db") as db:  # as a crash mid-send leaves them
        db.execute("UPDATE recipients SET status = 'uncertain', bot_id = 'demo-main'")
    for flags in (("--resend", "--mark-sent"), ()):
        proc = linda(data, "broadcast", "resolve", "1", *flags, "--all-uncertain")
        assert proc.returncode == 2
        assert proc.stderr.strip() == (
            "linda: say what to do: --resend or --mark-sent (one of them)"
        )
    shown = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert sorted(shown["uncertain"]) == ["+971501234567", "+971501234568"]  # untouched

    proc = linda(data, "broadcast", "resolve", "1", "--mark-sent", "0501234567")
    assert (proc.returncode, proc.stdout.strip()) == (0, "1 recipient counted as sent")
    proc = linda(data, "broadcast", "resolve", "1", "--mark-sent", "0501234567")
    assert proc.returncode == 1 and proc.stdout == ""
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("linda: no uncertain recipient matched — ")
    assert "--demo --data-dir" in line  # the advice keeps the options used
    shown = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert shown["uncertain"] == ["+971501234568"]


def test_resume_with_no_linda_running_says_when_it_will_send(tmp_path: Path) -> None:
    """Not "campaign 1 is running" while nothing sends it: when it will, and how now."""
    data = tmp_path / "data"
    created = linda(
        data, "broadcast", "create", "--name", "later", "--to", "+971501234567",
        "--template", "Hi",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    proc = linda(data, "broadcast", "resume", "1")  # a draft: resuming starts it
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "campaign 1 will run as soon as a Linda runs the fleet (a console or "
        f"`linda --demo --data-dir {data} serve`) — "
        f"`linda --demo --data-dir {data} broadcast run 1` runs it here now"
    )
    shown = json.loads(linda(data, "broadcast", "show", "1", "--json").stdout)
    assert shown["status"] == "running"
    assert linda(data, "broadcast", "pause", "1").stdout.strip() == "campaign 1 is paused"
